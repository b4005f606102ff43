package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.DeadLetterReason;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.WindowFocus;
import dev.skellyjelly.storage.codecs.WireFormat;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One test per dead-letter reason of CONTRACT §2: each bad input is counted under its reason, published on
 * the dead-letter address (reason, a detail naming the field, the input's id, the input as text without
 * pixels), a request for it fails with 400 and the reason, and the valid events around it are all stored.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeadLetterTest {

  private static final long NOW = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final String SESSION = "0b5e55ed-0000-4000-8000-00000000d1e7";
  private static final byte[] MARKER = "dead-letter-marker".getBytes(StandardCharsets.US_ASCII);

  @TempDir
  Path dir;

  private Vertx vertx;
  private EventBus bus;
  private ManualClock clock;
  private StorageModule module;
  private final List<JsonObject> letters = new CopyOnWriteArrayList<>();
  /** Every valid event sent, by id: exactly these must be in the database at the end. */
  private final Set<String> validIds = new LinkedHashSet<>();
  private int badInputs;
  private int seq;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.clock = new ManualClock(NOW);
    // A 1 MB image limit keeps the too-large image small enough to build quickly.
    module = TestSupport.deploy(vertx, clock, TestSupport.config(dir, ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50,
      ConfigKeys.WINDOW_GRACE_MS, 200, ConfigKeys.SCREENSHOT_MAX_MB, 1, ConfigKeys.SCREENSHOT_MEMORY_THRESHOLD_MB, 1));
    Codecs.ensureRegistered(vertx);
    bus.<JsonObject>consumer(Addresses.DEAD_LETTER, m -> letters.add(m.body())).completion().await();
  }

  // ---------------------------------------------------------------- one test per reason

  @Test
  void notAnObject() throws Exception {
    String jsonText = validJson().encode();
    // Even a string holding valid JSON text is not an object; the dead letter quotes it as it came.
    JsonObject letter = reject(jsonText, DeadLetterReason.NOT_AN_OBJECT, null, null);
    assertEquals(jsonText, letter.getString("received"));
    assertTrue(letter.getString("detail").contains("string"), letter.encode());
    reject(42, DeadLetterReason.NOT_AN_OBJECT, null, null);
    reject(new JsonArray().add(validJson()), DeadLetterReason.NOT_AN_OBJECT, null, null);
    reject(Buffer.buffer(jsonText), DeadLetterReason.NOT_AN_OBJECT, null, null);
    reject(true, DeadLetterReason.NOT_AN_OBJECT, null, null);
    // A long text is cut at 1024 bytes of UTF-8, on a character boundary.
    String long3Byte = "€".repeat(2000);
    JsonObject cut = reject(long3Byte, DeadLetterReason.NOT_AN_OBJECT, null, null);
    String received = cut.getString("received");
    assertTrue(received.getBytes(StandardCharsets.UTF_8).length <= 1024, received.length() + " chars");
    assertTrue(received.length() >= 1020 / 3 && long3Byte.startsWith(received), "a prefix of the input");
    // A null body is an input too; as text it reads "null" (it was received, not undecodable).
    JsonObject nothing = reject(null, DeadLetterReason.NOT_AN_OBJECT, null, null);
    assertEquals("null", nothing.getString("received"), "the input as text: " + nothing.encode());
    assertStoredAndCounted(DeadLetterReason.NOT_AN_OBJECT);
  }

  /**
   * A screenshot event sent as a string, or inside an array, carries its image as base64 text: the dead letter
   * shows neither that text (its length stands for it) nor any other, and its detail is bounded.
   */
  @Test
  void aStringOrArrayBodyCarryingAnImageLeavesNoImageTextInItsDeadLetter() throws Exception {
    byte[] image = TestPng.png(20_000, 40, 40, MARKER);
    JsonObject shot = validJson().put("event_type", "screenshot").put("data", new JsonObject()
      .put("screenshot_id", UUID.randomUUID().toString()).put("format", "png")
      .put("image", Base64.getEncoder().encodeToString(image)));
    java.util.regex.Pattern run = java.util.regex.Pattern.compile("[A-Za-z0-9+/]{40,}");
    for (Object body : List.of(shot.encode(), new JsonArray().add(shot), new JsonArray().add(shot.encode()))) {
      JsonObject letter = reject(body, DeadLetterReason.NOT_AN_OBJECT, null, null);
      assertFalse(run.matcher(letter.encode()).find(), letter.encode());
      assertTrue(letter.getString("received").contains(" base64 characters>"), letter.encode());
      assertTrue(letter.getString("detail").length() <= 513, letter.encode());
    }
    assertStoredAndCounted(DeadLetterReason.NOT_AN_OBJECT);
  }

  /**
   * An undecodable wire form only arrives from another JVM: locally Vert.x never calls {@code decodeFromWire}.
   * What the receiver meets then is a message whose {@code body()} throws, because a clustered message
   * decodes lazily inside {@code body()}. See {@link CorruptingCodec} for how that is reproduced in one JVM.
   */
  @Test
  void badWire() throws Exception {
    vertx.eventBus().registerCodec(new CorruptingCodec());
    DeliveryOptions corrupt = new DeliveryOptions().setCodecName(CorruptingCodec.NAME);
    RawEvent event = validTyped();
    JsonObject letter = reject(event, corrupt, DeadLetterReason.BAD_WIRE, null, null);
    assertTrue(letter.getString("detail").contains("wire version"), letter.encode());
    assertFalse(letter.getString("received").contains(event.id()), "nothing decoded, nothing quoted: " + letter.encode());
    reject(validTyped(), corrupt, DeadLetterReason.BAD_WIRE, null, null);
    assertStoredAndCounted(DeadLetterReason.BAD_WIRE);
  }

  @Test
  void unknownEventType() throws Exception {
    for (Object type : List.of("keypress", "Keystroke", "KEYSTROKE", "", "mouse-move", 3, new JsonObject())) {
      JsonObject bad = validJson().put("event_type", type);
      reject(bad, DeadLetterReason.UNKNOWN_EVENT_TYPE, "event_type", bad.getString("id"));
    }
    // Precedence: an unknown type outranks a bad id, a bad timestamp and bad data.
    JsonObject many = validJson().put("event_type", "scroll").put("id", "nope").put("timestamp", "later").put("data", 5);
    reject(many, DeadLetterReason.UNKNOWN_EVENT_TYPE, "event_type", "nope");
    assertStoredAndCounted(DeadLetterReason.UNKNOWN_EVENT_TYPE);
  }

  @Test
  void missingField() throws Exception {
    JsonObject k = validKeystrokeJson();
    rejectJson(without(k, "timestamp"), DeadLetterReason.MISSING_FIELD, "timestamp");
    rejectJson(without(k, "event_type"), DeadLetterReason.MISSING_FIELD, "event_type");
    rejectJson(without(k, "data"), DeadLetterReason.MISSING_FIELD, "data");
    rejectJson(withoutData(k, "key_code"), DeadLetterReason.MISSING_FIELD, "data.key_code");
    rejectJson(withoutData(k, "modifiers"), DeadLetterReason.MISSING_FIELD, "data.modifiers");
    JsonObject noShift = k.copy();
    noShift.getJsonObject("data").getJsonObject("modifiers").remove("shift");
    rejectJson(noShift, DeadLetterReason.MISSING_FIELD, "data.modifiers.shift");
    JsonObject shot = screenshotJson(TestPng.png(200, 800, 600, MARKER), "png", false);
    rejectJson(withoutData(shot, "screenshot_id"), DeadLetterReason.MISSING_FIELD, "data.screenshot_id");
    rejectJson(withoutData(shot, "screen_region"), DeadLetterReason.MISSING_FIELD, "data.screen_region");
    // Without pixels and not masked: the image is missing.
    rejectJson(withoutData(shot, "image"), DeadLetterReason.MISSING_FIELD, "data.image");
    rejectJson(withoutData(validJson(3), "window_title"), DeadLetterReason.MISSING_FIELD, "data.window_title");
    rejectJson(withoutData(validJson(5), "event_type"), DeadLetterReason.MISSING_FIELD, "data.event_type");
    rejectJson(withoutData(validJson(6), "network_io_mb_per_sec"), DeadLetterReason.MISSING_FIELD, "data.network_io_mb_per_sec");
    // Precedence: a missing field outranks a bad UUID.
    reject(without(k, "timestamp").put("id", "x"), DeadLetterReason.MISSING_FIELD, "timestamp", "x");
    // Typed: a required field left null, of every shape (text, enum, nested record).
    String id = uuid();
    reject(new RawEvent(id, SESSION, NOW - 10, new WindowFocus(null, "app", 1, null)), DeadLetterReason.MISSING_FIELD,
      "data.window_title", id);
    reject(new RawEvent(id, SESSION, NOW - 10, new MouseClick(1, 2, null, MouseClick.ClickType.SINGLE)),
      DeadLetterReason.MISSING_FIELD, "data.button", id);
    reject(new RawEvent(id, SESSION, NOW - 10, new Keystroke(1, null, null)), DeadLetterReason.MISSING_FIELD,
      "data.modifiers", id);
    reject(new RawEvent(id, SESSION, NOW - 10, new ProcessEvent(1, "p", null)), DeadLetterReason.MISSING_FIELD,
      "data.event_type", id);
    reject(new RawEvent(id, SESSION, NOW - 10, new Screenshot(uuid(), null, null, "t", "a", null, true)),
      DeadLetterReason.MISSING_FIELD, "data.format", id);
    assertStoredAndCounted(DeadLetterReason.MISSING_FIELD);
  }

  @Test
  void badUuid() throws Exception {
    for (String notAUuid : List.of("", "not-a-uuid", "8a6f0c1e-0000-4000-8000-00000000000g", "{8a6f0c1e-0000-4000-8000-000000000000}",
      "8a6f0c1e00004000800000000000000a", " 8a6f0c1e-0000-4000-8000-00000000000")) {
      JsonObject bad = validJson().put("id", notAUuid);
      JsonObject letter = reject(bad, DeadLetterReason.BAD_UUID, "id", notAUuid);
      assertTrue(letter.getString("detail").startsWith("id "), letter.encode());
    }
    rejectJson(validJson().put("session_id", "session-1"), DeadLetterReason.BAD_UUID, "session_id");
    rejectJson(validJson().put("session_id", 12345), DeadLetterReason.BAD_UUID, "session_id");
    JsonObject shot = screenshotJson(null, "webp", true);
    shot.getJsonObject("data").put("screenshot_id", "shot-1");
    rejectJson(shot, DeadLetterReason.BAD_UUID, "data.screenshot_id");
    // Typed events are held to the same rule.
    reject(new RawEvent("xyz", SESSION, NOW - 10, new MouseMove(1, 2, 3)), DeadLetterReason.BAD_UUID, "id", "xyz");
    String id = uuid();
    reject(new RawEvent(id, "", NOW - 10, new MouseMove(1, 2, 3)), DeadLetterReason.BAD_UUID, "session_id", id);
    // Precedence: a bad UUID outranks a bad timestamp and a bad field.
    JsonObject both = validKeystrokeJson().put("id", "nope").put("timestamp", "soon");
    both.getJsonObject("data").put("key_code", "A");
    reject(both, DeadLetterReason.BAD_UUID, "id", "nope");
    assertStoredAndCounted(DeadLetterReason.BAD_UUID);
  }

  @Test
  void badTimestamp() throws Exception {
    for (Object ts : List.of("2026-11-26T09:59:00.000", "2026-11-26 09:59:00Z", "yesterday", "", -1, -1_000L,
      "1969-12-31T23:59:59.999Z", 1.7948e12, true, new JsonObject().put("ms", 1))) {
      JsonObject letter = rejectJson(validJson().put("timestamp", ts), DeadLetterReason.BAD_TIMESTAMP, "timestamp");
      assertTrue(letter.getString("received").contains("\"timestamp\""), letter.encode());
    }
    String id = uuid();
    reject(new RawEvent(id, SESSION, -5, new MouseMove(1, 2, 3)), DeadLetterReason.BAD_TIMESTAMP, "timestamp", id);
    assertStoredAndCounted(DeadLetterReason.BAD_TIMESTAMP);
  }

  @Test
  void futureTimestamp() throws Exception {
    long skew = module.storageConfig().maxClockSkewMs();
    assertEquals(5000, skew);
    String id = uuid();
    RawEvent ahead = new RawEvent(id, SESSION, NOW + skew + 1, new MouseMove(5, 6, 7.5));
    reject(ahead, DeadLetterReason.FUTURE_TIMESTAMP, "timestamp", id);
    rejectJson(validJson().put("timestamp", NOW + skew + 1), DeadLetterReason.FUTURE_TIMESTAMP, "timestamp");
    rejectJson(validJson().put("timestamp", "2026-11-26T12:00:05.001+02:00"), DeadLetterReason.FUTURE_TIMESTAMP, "timestamp");
    rejectJson(validJson().put("timestamp", "2099-01-01T00:00:00Z"), DeadLetterReason.FUTURE_TIMESTAMP, "timestamp");
    // Exactly the allowed skew ahead is fine.
    sendValid(new RawEvent(uuid(), SESSION, NOW + skew, new MouseMove(1, 1, 1)));
    // The module's clock decides: once it moves on, the same event is in time.
    clock.advance(1);
    sendValid(ahead);
    assertStoredAndCounted(DeadLetterReason.FUTURE_TIMESTAMP);
  }

  @Test
  void badField() throws Exception {
    rejectJson(withData(validKeystrokeJson(), "key_code", "65"), DeadLetterReason.BAD_FIELD, "data.key_code");
    rejectJson(withData(validKeystrokeJson(), "key_code", -1), DeadLetterReason.BAD_FIELD, "data.key_code");
    rejectJson(withData(validKeystrokeJson(), "key_code", 4_294_967_296L), DeadLetterReason.BAD_FIELD, "data.key_code");
    rejectJson(withData(validKeystrokeJson(), "key_code", 65.5), DeadLetterReason.BAD_FIELD, "data.key_code");
    rejectJson(withData(validKeystrokeJson(), "inter_key_interval_ms", -3), DeadLetterReason.BAD_FIELD, "data.inter_key_interval_ms");
    rejectJson(withData(validKeystrokeJson(), "modifiers", "shift"), DeadLetterReason.BAD_FIELD, "data.modifiers");
    JsonObject shiftYes = validKeystrokeJson();
    shiftYes.getJsonObject("data").getJsonObject("modifiers").put("shift", "yes");
    rejectJson(shiftYes, DeadLetterReason.BAD_FIELD, "data.modifiers.shift");
    rejectJson(withData(validJson(1), "x", 2_147_483_648L), DeadLetterReason.BAD_FIELD, "data.x");
    rejectJson(withData(validJson(1), "velocity", -0.5), DeadLetterReason.BAD_FIELD, "data.velocity");
    rejectJson(withData(validJson(1), "velocity", "fast"), DeadLetterReason.BAD_FIELD, "data.velocity");
    rejectJson(withData(validJson(2), "button", "LEFT"), DeadLetterReason.BAD_FIELD, "data.button");
    rejectJson(withData(validJson(2), "click_type", "quadruple"), DeadLetterReason.BAD_FIELD, "data.click_type");
    rejectJson(withData(validJson(3), "window_title", 7), DeadLetterReason.BAD_FIELD, "data.window_title");
    rejectJson(withData(validJson(5), "event_type", "paused"), DeadLetterReason.BAD_FIELD, "data.event_type");
    rejectJson(withData(validJson(6), "cpu_percent", -1), DeadLetterReason.BAD_FIELD, "data.cpu_percent");
    rejectJson(withData(validJson(6), "memory_mb", 1.5), DeadLetterReason.BAD_FIELD, "data.memory_mb");
    rejectJson(validJson().put("data", new JsonArray()), DeadLetterReason.BAD_FIELD, "data");
    JsonObject shot = screenshotJson(null, "jpeg", true);
    rejectJson(shot, DeadLetterReason.BAD_FIELD, "data.format");
    JsonObject region = screenshotJson(null, "png", true);
    region.getJsonObject("data").getJsonObject("screen_region").put("width", -1);
    rejectJson(region, DeadLetterReason.BAD_FIELD, "data.screen_region.width");
    // Typed: values no JSON parser would produce but a JVM producer can.
    String id = uuid();
    reject(new RawEvent(id, SESSION, NOW - 10, new MouseMove(1, 2, Double.NaN)), DeadLetterReason.BAD_FIELD, "data.velocity", id);
    reject(new RawEvent(id, SESSION, NOW - 10, new ResourceUsage(1, 1, Double.POSITIVE_INFINITY, 1)), DeadLetterReason.BAD_FIELD,
      "data.disk_io_mb_per_sec", id);
    reject(new RawEvent(id, SESSION, NOW - 10, new ResourceUsage(1, -1, 1, 1)), DeadLetterReason.BAD_FIELD, "data.memory_mb", id);
    reject(new RawEvent(id, SESSION, NOW - 10, new ProcessEvent(4_294_967_296L, "p", ProcessEvent.Change.STARTED)),
      DeadLetterReason.BAD_FIELD, "data.process_id", id);
    // Precedence: a bad field outranks a too-long string.
    JsonObject both = validJson(3);
    both.getJsonObject("data").put("window_title", "t".repeat(5000)).put("process_id", -1);
    rejectJson(both, DeadLetterReason.BAD_FIELD, "data.process_id");
    assertStoredAndCounted(DeadLetterReason.BAD_FIELD);
  }

  @Test
  void tooLarge() throws Exception {
    rejectJson(withData(validJson(3), "window_title", "t".repeat(4097)), DeadLetterReason.TOO_LARGE, "data.window_title");
    rejectJson(withData(validJson(3), "app_name", "😀".repeat(2049)), DeadLetterReason.TOO_LARGE, "data.app_name");
    String id = uuid();
    reject(new RawEvent(id, SESSION, NOW - 10, new ProcessEvent(1, "p".repeat(5000), ProcessEvent.Change.STARTED)),
      DeadLetterReason.TOO_LARGE, "data.process_name", id);
    // An image over screenshot_max_mb (1 MB here), as base64 JSON and as typed bytes.
    byte[] big = TestPng.png((1 << 20) + 1, 4000, 3000, MARKER);
    String b64 = Base64.getEncoder().encodeToString(big);
    JsonObject letter = rejectJson(screenshotJson(big, "png", false), DeadLetterReason.TOO_LARGE, "data.image");
    assertNoImage(letter, b64);
    String shotId = uuid();
    RawEvent typed = new RawEvent(shotId, SESSION, NOW - 10, new Screenshot(uuid(), ImageFormat.PNG, big, "w", "a",
      new Screenshot.Region(0, 0, 4000, 3000), false));
    assertNoImage(reject(typed, DeadLetterReason.TOO_LARGE, "data.image", shotId), b64);
    // The largest allowed image is accepted.
    byte[] largest = TestPng.png(1 << 20, 4000, 3000, MARKER);
    sendValid(new RawEvent(uuid(), SESSION, NOW - 10, new Screenshot(uuid(), ImageFormat.PNG, largest, "w", "a",
      new Screenshot.Region(0, 0, 4000, 3000), false)));
    assertStoredAndCounted(DeadLetterReason.TOO_LARGE);
  }

  @Test
  void badImage() throws Exception {
    byte[] garbage = new byte[1234];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) (i * 31 + 7);
    }
    String garbage64 = Base64.getEncoder().encodeToString(garbage);
    JsonObject letter = rejectJson(screenshotJson(garbage, "png", false), DeadLetterReason.BAD_IMAGE, "data.image");
    assertNoImage(letter, garbage64);
    assertTrue(letter.getString("received").contains("1234"), "the image replaced by its length: " + letter.encode());
    // PNG bytes announced as WebP: magic bytes do not match the format.
    byte[] png = TestPng.png(1500, 640, 480, MARKER);
    assertNoImage(rejectJson(screenshotJson(png, "webp", false), DeadLetterReason.BAD_IMAGE, "data.image"),
      Base64.getEncoder().encodeToString(png));
    // A PNG whose header says zero width yields no usable size.
    byte[] zero = TestPng.png(1500, 0, 480, MARKER);
    rejectJson(screenshotJson(zero, "png", false), DeadLetterReason.BAD_IMAGE, "data.image");
    // Not base64 at all.
    JsonObject notBase64 = screenshotJson(png, "png", false);
    notBase64.getJsonObject("data").put("image", "!!! this is not base64 !!!");
    rejectJson(notBase64, DeadLetterReason.BAD_IMAGE, "data.image");
    // Empty and not masked.
    JsonObject empty = screenshotJson(png, "png", false);
    empty.getJsonObject("data").put("image", "");
    rejectJson(empty, DeadLetterReason.BAD_IMAGE, "data.image");
    // Typed, with raw bytes.
    String id = uuid();
    JsonObject typedLetter = reject(new RawEvent(id, SESSION, NOW - 10, new Screenshot(uuid(), ImageFormat.HEIC, garbage, "w", "a",
      new Screenshot.Region(0, 0, 1, 1), false)), DeadLetterReason.BAD_IMAGE, "data.image", id);
    assertNoImage(typedLetter, garbage64);
    assertTrue(typedLetter.getString("received").contains("1234"), typedLetter.encode());
    assertStoredAndCounted(DeadLetterReason.BAD_IMAGE);
  }

  // ---------------------------------------------------------------- the common check

  private JsonObject rejectJson(JsonObject bad, DeadLetterReason reason, String field) throws Exception {
    return reject(bad, reason, field, bad.getString("id"));
  }

  private JsonObject reject(Object bad, DeadLetterReason reason, String field, String id) throws Exception {
    return reject(bad, new DeliveryOptions(), reason, field, id);
  }

  /**
   * Sends a valid event, the bad input twice (published, then as a request), and another valid event;
   * checks the request's failure and both dead letters, and returns the first.
   */
  private JsonObject reject(Object bad, DeliveryOptions options, DeadLetterReason reason, String field, String id)
    throws Exception {
    sendValid(validTyped());
    bus.publish(Addresses.RAW_EVENT, bad, options);
    Throwable failure = null;
    try {
      // A short timeout: a rejection is answered at once, a missing answer should not stall the test.
      bus.request(Addresses.RAW_EVENT, bad, new DeliveryOptions(options).setSendTimeout(5000)).await();
    } catch (Throwable t) {
      failure = t;
    }
    assertNotNull(failure, "a request for " + reason.wireName() + " input must fail");
    ReplyException rx = assertInstanceOf(ReplyException.class, failure);
    assertEquals(400, rx.failureCode(), "the request for a " + reason.wireName() + " input was answered with: " + rx);
    assertEquals(reason.wireName(), rx.getMessage());
    sendValid(validJson());
    badInputs++;
    await("dead letters for " + reason.wireName()).atMost(Duration.ofSeconds(20))
      .until(() -> letters.size() >= 2 * badInputs);
    JsonObject published = letters.get(2 * badInputs - 2);
    JsonObject requested = letters.get(2 * badInputs - 1);
    assertEquals(published, requested, "the same input, the same dead letter");
    assertEquals(reason.wireName(), published.getString("reason"), published.encode());
    String detail = published.getString("detail");
    assertNotNull(detail, published.encode());
    assertFalse(detail.isBlank());
    if (field != null) {
      assertTrue(detail.contains(field), "the detail names " + field + ": " + detail);
    }
    if (id == null) {
      assertFalse(published.containsKey("id"), published.encode());
    } else {
      assertEquals(id, published.getString("id"), published.encode());
    }
    String received = published.getString("received");
    assertNotNull(received, published.encode());
    assertTrue(received.getBytes(StandardCharsets.UTF_8).length <= 1024, "at most 1024 bytes: " + received.length());
    String image = imageText(bad);
    if (image != null) {
      assertNoImage(published, image);
    } else if (bad instanceof JsonObject json && json.encode().getBytes(StandardCharsets.UTF_8).length <= 1024
      && !(json.getValue("data") instanceof JsonObject d && d.containsKey("image"))) {
      assertEquals(json, new JsonObject(received), "a small input is quoted whole");
    }
    return published;
  }

  /** Waits for every valid event, then checks nothing else was stored and only this reason was counted. */
  private void assertStoredAndCounted(DeadLetterReason reason) throws Exception {
    await(validIds.size() + " valid events committed").atMost(Duration.ofSeconds(20))
      .until(() -> module.metrics().eventsPersisted() >= validIds.size());
    assertEquals(2L * badInputs, module.metrics().deadLetters(reason));
    assertEquals(2L * badInputs, module.metrics().deadLetters(), "no input counted under another reason");
    assertEquals(2 * badInputs, letters.size());
    Set<String> stored = new HashSet<>();
    for (RawEvent e : TestSupport.readEvents(dir.resolve("events.db"))) {
      assertTrue(stored.add(e.id()));
    }
    assertEquals(validIds, stored, "every valid event stored, nothing else");
    assertEquals(validIds.size(), TestSupport.scalar(dir.resolve("events.db"), "SELECT sum(n) FROM event_counts"));
    assertEquals(validIds.size(), module.metrics().eventsReceived());
    assertEquals(validIds.size(), module.metrics().eventsPersisted());
    assertEquals(0, module.metrics().dropped());
  }

  /** The base64 text of the input's image, if it carries one. */
  private static String imageText(Object bad) {
    if (bad instanceof JsonObject json && json.getValue("data") instanceof JsonObject d
      && d.getValue("image") instanceof String s && s.length() >= 24) {
      return s;
    }
    if (bad instanceof RawEvent e && e.data() instanceof Screenshot shot && shot.imageLength() >= 18) {
      return Base64.getEncoder().encodeToString(shot.image());
    }
    return null;
  }

  private static void assertNoImage(JsonObject letter, String base64) {
    String received = letter.getString("received");
    for (int i = 0; i + 24 <= base64.length(); i += 24) {
      String slice = base64.substring(i, i + 24);
      assertFalse(received.contains(slice), "image bytes in the dead letter at " + i + ": " + letter.encode());
    }
    String url = base64.replace('+', '-').replace('/', '_');
    assertFalse(received.contains(url.substring(0, 24)));
  }

  // ---------------------------------------------------------------- inputs

  private void sendValid(Object event) {
    String id = event instanceof RawEvent e ? e.id() : ((JsonObject) event).getString("id");
    validIds.add(id);
    bus.publish(Addresses.RAW_EVENT, event);
  }

  /** A valid typed event, cycling through the kinds. */
  private RawEvent validTyped() {
    int i = seq++;
    long ts = NOW - 60_000 + i;
    return switch (i % 5) {
      case 0 -> new RawEvent(uuid(), SESSION, ts, new Keystroke(65, new Keystroke.Modifiers(false, true, false, false), 120L));
      case 1 -> new RawEvent(uuid(), SESSION, ts, new MouseMove(10, -20, 300.25));
      case 2 -> new RawEvent(uuid(), SESSION, ts, new MouseClick(5, 6, MouseClick.Button.RIGHT, MouseClick.ClickType.DOUBLE));
      case 3 -> new RawEvent(uuid(), SESSION, ts, new Screenshot(uuid(), ImageFormat.PNG, TestPng.png(100, 2, 2, MARKER),
        "t", "a", new Screenshot.Region(0, 0, 2, 2), false));
      default -> new RawEvent(uuid(), SESSION, ts, new ResourceUsage(12.5, 2048, 0.5, 0.25));
    };
  }

  private JsonObject validJson() {
    return validJson(seq++ % 7);
  }

  /** A valid JSON event of kind {@code kind} (EventType order). */
  private JsonObject validJson(int kind) {
    JsonObject e = new JsonObject().put("id", uuid()).put("session_id", SESSION)
      .put("timestamp", Instant.ofEpochMilli(NOW - 30_000 + seq++).toString());
    JsonObject d = new JsonObject();
    switch (kind) {
      case 0 -> {
        e.put("event_type", "keystroke");
        d.put("key_code", 13).put("modifiers", new JsonObject().put("shift", false).put("ctrl", false).put("alt", false)
          .put("meta", true)).put("inter_key_interval_ms", 80);
      }
      case 1 -> {
        e.put("event_type", "mouse_move");
        d.put("x", 100).put("y", 200).put("velocity", 12.5);
      }
      case 2 -> {
        e.put("event_type", "mouse_click");
        d.put("x", 1).put("y", 2).put("button", "left").put("click_type", "single");
      }
      case 3 -> {
        e.put("event_type", "window_focus");
        d.put("window_title", "Report").put("app_name", "editor").put("process_id", 4242).put("duration_ms", 1000);
      }
      case 4 -> {
        return screenshotJson(null, "heic", true);
      }
      case 5 -> {
        e.put("event_type", "process");
        d.put("process_id", 99).put("process_name", "build").put("event_type", "started");
      }
      default -> {
        e.put("event_type", "resource");
        d.put("cpu_percent", 250.0).put("memory_mb", 8000).put("disk_io_mb_per_sec", 1.5).put("network_io_mb_per_sec", 0.1);
      }
    }
    return e.put("data", d);
  }

  private JsonObject validKeystrokeJson() {
    return validJson(0);
  }

  private JsonObject screenshotJson(byte[] image, String format, boolean masked) {
    JsonObject d = new JsonObject().put("screenshot_id", uuid()).put("format", format)
      .put("window_title", "Inbox").put("app_name", "mail")
      .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 800).put("height", 600))
      .put("privacy_masked", masked);
    if (image != null) {
      d.put("image", Base64.getEncoder().encodeToString(image));
    }
    return new JsonObject().put("id", uuid()).put("session_id", SESSION)
      .put("timestamp", Instant.ofEpochMilli(NOW - 20_000 + seq++).toString()).put("event_type", "screenshot").put("data", d);
  }

  private static JsonObject without(JsonObject event, String key) {
    JsonObject copy = event.copy();
    copy.remove(key);
    return copy;
  }

  private static JsonObject withoutData(JsonObject event, String key) {
    JsonObject copy = event.copy();
    copy.getJsonObject("data").remove(key);
    return copy;
  }

  private static JsonObject withData(JsonObject event, String key, Object value) {
    JsonObject copy = event.copy();
    copy.getJsonObject("data").put(key, value);
    return copy;
  }

  private static String uuid() {
    return UUID.randomUUID().toString();
  }

  /**
   * Makes a local message behave like one from a node speaking a newer wire version: its {@code body()}
   * throws the error the real codec raises for it. Vert.x 5 transforms a local body eagerly, on the sender's
   * thread, when it copies the message for delivery, and {@code body()} transforms again only if that gave
   * null. So on a non-Vert.x thread (the test, sending) this codec yields null; on the receiver's event loop
   * it writes the real wire form, marks it with an unknown version and decodes it, which throws. (A plain
   * codec whose transform throws fails the sender's publish instead and never reaches the module.)
   */
  private static final class CorruptingCodec implements MessageCodec<RawEvent, RawEvent> {
    static final String NAME = "test.corrupt-wire";

    @Override
    public void encodeToWire(Buffer buffer, RawEvent event) {
      WireFormat.writeMessage(buffer, event);
    }

    @Override
    public RawEvent decodeFromWire(int pos, Buffer buffer) {
      return WireFormat.readEventMessage(buffer, pos);
    }

    @Override
    public RawEvent transform(RawEvent event) {
      if (!Context.isOnVertxThread()) {
        return null;
      }
      Buffer wire = Buffer.buffer();
      encodeToWire(wire, event);
      wire.setByte(4, (byte) (WireFormat.VERSION + 1));
      return decodeFromWire(0, wire);
    }

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
