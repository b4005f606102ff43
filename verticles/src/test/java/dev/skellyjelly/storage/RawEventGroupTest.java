package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import dev.skellyjelly.storage.codecs.DeadLetterReason;
import dev.skellyjelly.storage.codecs.EventJsonReader;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.impl.Messages.Predecoded;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bridges' group hand-over ({@link StorageModule#rawEventInlet()}): a group of valid and invalid inputs
 * ends up exactly as the same inputs sent one by one on {@code skelly.raw-event} do — the same events committed
 * (producer ids kept, module ids assigned where absent, screenshots stored), the same dead letters in the same
 * order, the same metrics.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RawEventGroupTest {

  private static final long NOW = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final String SESSION = "0b5e55ed-0000-4000-8000-00000000a11e";

  @TempDir
  Path dir;

  /** What one run left behind: the committed events, the dead letters, the metrics a user reads. */
  private record Outcome(List<String> committed, int moduleIds, List<JsonObject> letters, long received,
                         long persisted, long screenshots, Map<DeadLetterReason, Long> deadLetters) {
  }

  @Test
  void aGroupIsHandledAsItsEventsOneByOne() throws Exception {
    Outcome oneByOne = run(dir.resolve("single"), Form.ONE_BY_ONE);
    Outcome grouped = run(dir.resolve("grouped"), Form.GROUPED);
    Outcome read = run(dir.resolve("read"), Form.READ);
    assertEquals(7, oneByOne.received(), "valid inputs accepted: " + oneByOne);
    assertEquals(7, oneByOne.persisted());
    assertEquals(2, oneByOne.screenshots());
    assertEquals(1, oneByOne.moduleIds(), "the event without an id got one of the module's");
    assertEquals(6, oneByOne.letters().size(), "one dead letter per invalid input: " + oneByOne.letters());
    assertEquals(oneByOne, grouped);
    assertEquals(oneByOne, read, "events read straight into records, the invalid ones among them, end up the same");
  }

  /** How the inputs reach the receiver. */
  private enum Form {
    /** Each a message on skelly.raw-event. */
    ONE_BY_ONE,
    /** One group of their JSON, as a bridge gathers what it parsed. */
    GROUPED,
    /** One group, each input the streaming reader answers for as its record with the way back to its JSON. */
    READ
  }

  /** The input as the TCP bridge gathers it: read straight into a record where the streaming reader can. */
  private static Object read(Object input) {
    if (!(input instanceof JsonObject json)) {
      return input;
    }
    try (JsonParser p = new JsonFactory().createParser(json.encode())) {
      p.nextToken();
      RawEvent event = EventJsonReader.read(p);
      return event == null ? input : new Predecoded(event, () -> json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Outcome run(Path sub, Form form) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      StorageModule module = TestSupport.deploy(vertx, new ManualClock(NOW), TestSupport.config(sub,
        ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50, ConfigKeys.WINDOW_GRACE_MS, 200));
      List<JsonObject> letters = new CopyOnWriteArrayList<>();
      vertx.eventBus().<JsonObject>consumer(Addresses.DEAD_LETTER, m -> letters.add(m.body())).completion().await();
      List<Object> inputs = inputs();
      if (form == Form.READ) {
        List<Object> read = inputs.stream().map(RawEventGroupTest::read).collect(Collectors.toList());
        assertEquals(7, read.stream().filter(i -> i instanceof Predecoded).count(), "every event but screenshots read");
        module.rawEventInlet().handle(new RawEventGroup(read));
      } else if (form == Form.GROUPED) {
        module.rawEventInlet().handle(new RawEventGroup(inputs));
      } else {
        vertx.runOnContext(v -> inputs.forEach(i -> vertx.eventBus().send(Addresses.RAW_EVENT, i)));
      }
      StorageMetrics metrics = module.metrics();
      await().atMost(30, TimeUnit.SECONDS).until(() -> metrics.eventsPersisted() == 7 && letters.size() == 6);
      Map<DeadLetterReason, Long> reasons = new EnumMap<>(DeadLetterReason.class);
      for (DeadLetterReason r : DeadLetterReason.values()) {
        reasons.put(r, metrics.deadLetters(r));
      }
      List<RawEvent> stored = TestSupport.readEvents(sub.resolve("events.db"));
      List<String> producerIds = stored.stream().map(RawEvent::id).filter(id -> id.startsWith("00000000-"))
        .sorted().collect(Collectors.toList());
      return new Outcome(producerIds, stored.size() - producerIds.size(), new ArrayList<>(letters),
        metrics.eventsReceived(), metrics.eventsPersisted(), metrics.screenshotsReceived(), reasons);
    } finally {
      vertx.close().await();
    }
  }

  /** Valid events of every kind, two screenshots (one with an image), and invalid inputs between them. */
  private static List<Object> inputs() {
    List<Object> in = new ArrayList<>();
    in.add(event(1, "keystroke", new JsonObject().put("key_code", 13).put("modifiers", new JsonObject()
      .put("shift", false).put("ctrl", false).put("alt", false).put("meta", true)).put("inter_key_interval_ms", 80)));
    in.add("{\"not\": \"an object\"}");
    in.add(event(2, "mouse_move", new JsonObject().put("x", 100).put("y", 200).put("velocity", 12.5)));
    in.add(event(3, "mouse_click", new JsonObject().put("x", 1).put("y", 2).put("button", "left")
      .put("click_type", "single")).put("id", "not-a-uuid"));
    in.add(event(4, "window_focus", new JsonObject().put("window_title", "Report").put("app_name", "editor")
      .put("process_id", 4242).put("duration_ms", 1000)));
    in.add(null);
    in.add(event(5, "process", new JsonObject().put("process_id", 99).put("process_name", "build")
      .put("event_type", "started")));
    in.add(event(6, "resource", new JsonObject().put("cpu_percent", 250.0).put("memory_mb", 8000)
      .put("disk_io_mb_per_sec", 1.5).put("network_io_mb_per_sec", 0.1)).put("timestamp", NOW + 3_600_000));
    in.add(screenshot(7, TestPng.png(4_000, 800, 600, 7L)));
    in.add(event(8, "scroll", new JsonObject()));
    in.add(screenshot(9, null));
    JsonObject noId = event(10, "mouse_move", new JsonObject().put("x", 5).put("y", 6).put("velocity", 0.0));
    noId.remove("id");
    in.add(noId);
    in.add(new JsonArray().add(1));
    return in;
  }

  private static JsonObject event(int n, String type, JsonObject data) {
    return new JsonObject().put("id", id(n)).put("session_id", SESSION)
      .put("timestamp", Instant.ofEpochMilli(NOW - 20_000 + n).toString()).put("event_type", type).put("data", data);
  }

  private static JsonObject screenshot(int n, byte[] image) {
    JsonObject d = new JsonObject().put("screenshot_id", id(100 + n)).put("format", "png")
      .put("window_title", "Inbox").put("app_name", "mail")
      .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 800).put("height", 600))
      .put("privacy_masked", image == null);
    if (image != null) {
      d.put("image", Base64.getEncoder().encodeToString(image));
    }
    return event(n, "screenshot", d);
  }

  private static String id(int n) {
    return String.format("00000000-0000-4000-8000-%012d", n);
  }
}
