package dev.skellyjelly.storage;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exclusions (CONTRACT §8): a password manager's focus, or a window whose title matches a pattern, is stored as the
 * focus of "(private)" and nothing else; input and screenshots while it has the focus are dropped with
 * {@code committed: false, reason: excluded}; no byte of the excluded title reaches the database file, its WAL, a
 * batch, a log line or a dead letter.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ExclusionTest {

  private static final long T0 = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final String SESSION = "5b1d0c1e-0000-4000-8000-000000000002";
  private static final String MARKER = "Vault-7f3a9c-SECRETMARKER";

  @TempDir
  Path dir;

  private Vertx vertx;
  private final ManualClock clock = new ManualClock(T0);
  private StorageModule module;
  private final List<String> published = new CopyOnWriteArrayList<>();
  private final List<EventBatch> batches = new CopyOnWriteArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private int ids;

  @BeforeEach
  void listen(Vertx vertx) {
    this.vertx = vertx;
    Codecs.ensureRegistered(vertx);
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> {
      batches.add(m.body());
      published.add(EventJson.encode(m.body()).encode());
    }).completion().await();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_BATCH_JSON, m -> published.add(m.body().encode()))
      .completion().await();
    vertx.eventBus().<JsonObject>consumer(Addresses.DEAD_LETTER, m -> published.add(m.body().encode()))
      .completion().await();
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
  }

  @AfterEach
  void detach() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  @Test
  void passwordManagerFocusKeepsItsKeystrokesAndTitleOutOfEverything() throws Exception {
    module = TestSupport.deploy(vertx, clock, TestSupport.config(dir,
      ConfigKeys.WINDOW_GRACE_MS, 200, ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50, ConfigKeys.MAX_CLOCK_SKEW_MS, 60_000));
    List<String> kept = new ArrayList<>();
    JsonObject editor = focus(T0 + 1_000, "Editor", "notes.txt");
    kept.add(editor.getString("id"));
    assertTrue(send(editor).getBoolean("committed"));
    JsonObject typed = keystroke(T0 + 1_500);
    kept.add(typed.getString("id"));
    assertTrue(send(typed).getBoolean("committed"));

    // The password manager (case differs from the configured "1Password"): stored as "(private)".
    JsonObject vault = focus(T0 + 2_000, "1PASSWORD", MARKER + " — 1Password");
    JsonObject ack = send(vault);
    assertTrue(ack.getBoolean("committed"));
    kept.add(vault.getString("id"));
    for (int i = 0; i < 20; i++) {
      JsonObject k = keystroke(T0 + 2_100 + i);
      assertEquals(new JsonObject().put("id", k.getString("id")).put("committed", false).put("reason", "excluded"),
        send(k));
    }
    // A screenshot of another app while "(private)" has the focus: dropped, pixels never held.
    JsonObject shot = screenshot(T0 + 2_500, "Editor", "notes.txt");
    assertEquals("excluded", send(shot).getString("reason"));
    // A screenshot of the password manager itself becomes a "(private)" focus change, without pixels.
    JsonObject vaultShot = screenshot(T0 + 2_600, "1Password", MARKER);
    assertTrue(send(vaultShot).getBoolean("committed"));
    kept.add(vaultShot.getString("id"));
    // An invalid event naming the excluded title: dead-lettered without any of it.
    JsonObject broken = focus(T0 + 2_700, "1Password", MARKER);
    broken.getJsonObject("data").put("process_id", "not a number");
    ReplyException rejected = assertThrows(ReplyException.class, () -> send(broken));
    assertEquals(400, rejected.failureCode());

    // A private browsing window by its title.
    JsonObject incognito = focus(T0 + 3_000, "Chrome", MARKER + " - Incognito");
    assertTrue(send(incognito).getBoolean("committed"));
    kept.add(incognito.getString("id"));
    assertEquals("excluded", send(keystroke(T0 + 3_100)).getString("reason"));

    JsonObject back = focus(T0 + 4_000, "Editor", "notes.txt");
    assertTrue(send(back).getBoolean("committed"));
    kept.add(back.getString("id"));
    JsonObject after = keystroke(T0 + 4_100);
    assertTrue(send(after).getBoolean("committed"));
    kept.add(after.getString("id"));

    assertEquals(22, module.metrics().dropped("excluded"));
    for (String id : List.of(shot.getJsonObject("data").getString("screenshot_id"),
      vaultShot.getJsonObject("data").getString("screenshot_id"))) {
      ReplyException gone = assertThrows(ReplyException.class, () -> vertx.eventBus()
        .request(Addresses.SCREENSHOT, new JsonObject().put("screenshot_id", id)).await());
      assertEquals(404, gone.failureCode());
    }

    clock.set(T0 + 40_000);
    await().atMost(Duration.ofSeconds(20)).until(() -> batches.stream().mapToInt(b -> b.events().size()).sum() == kept.size());
    List<RawEvent> batched = batches.stream().flatMap(b -> b.events().stream()).toList();
    assertEquals(kept, batched.stream().map(RawEvent::id).toList());
    for (RawEvent e : batched) {
      if (List.of(vault.getString("id"), vaultShot.getString("id"), incognito.getString("id")).contains(e.id())) {
        assertEquals(new WindowFocus("", "(private)", 0, null), e.data());
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> published.stream().anyMatch(p -> p.contains("withheld")));
    vertx.undeploy(module.deploymentID()).await();

    assertEquals(kept, TestSupport.readEvents(dir.resolve("events.db")).stream().map(RawEvent::id).toList());
    byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertFalse(contains(Files.readAllBytes(f), marker), "marker in " + f);
      }
    }
    assertFalse(published.isEmpty());
    for (String text : published) {
      assertFalse(text.contains("Vault-7f3a9c"), text);
    }
    assertFalse(logs.list.isEmpty());
    for (ILoggingEvent line : logs.list) {
      assertFalse(line.getFormattedMessage().contains("Vault-7f3a9c"), line.getFormattedMessage());
    }
  }

  // ---------------------------------------------------------------- helpers

  private JsonObject send(JsonObject event) {
    return vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, event).await().body();
  }

  private JsonObject envelope(long ts, String type, JsonObject data) {
    return new JsonObject().put("id", String.format("00000000-0000-4000-8000-%012d", ++ids)).put("session_id", SESSION)
      .put("timestamp", ts).put("event_type", type).put("data", data);
  }

  private JsonObject keystroke(long ts) {
    return envelope(ts, "keystroke", new JsonObject().put("key_code", 65).put("modifiers",
      new JsonObject().put("shift", false).put("ctrl", false).put("alt", false).put("meta", false)));
  }

  private JsonObject focus(long ts, String app, String title) {
    return envelope(ts, "window_focus", new JsonObject().put("window_title", title).put("app_name", app)
      .put("process_id", 4242));
  }

  private JsonObject screenshot(long ts, String app, String title) {
    byte[] png = TestPng.png(20_000, 64, 48, ts);
    return envelope(ts, "screenshot", new JsonObject()
      .put("screenshot_id", String.format("10000000-0000-4000-8000-%012d", ++ids)).put("format", "png")
      .put("image", Base64.getEncoder().encodeToString(png)).put("window_title", title).put("app_name", app)
      .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 64).put("height", 48))
      .put("privacy_masked", false));
  }

  static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

}
