package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.DeadLetterReason;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.Uuids;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The screenshot lifecycle as a user of the module sees it (CONTRACT §1 {@code skelly.storage.screenshot} and
 * {@code skelly.analysis-complete}, §4 {@code screenshots}, §5 screenshot keys): where the bytes go, what the
 * database keeps of them, when they are deleted and what is left on disk afterwards. Time is a
 * {@link ManualClock}; only timer ticks and group commits (tens of ms) are waited for.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScreenshotStoreTest {

  private static final int MB = 1 << 20;
  /** A multiple of every window length used here. */
  private static final long T0 = 1_800_000_000_000L;
  private static final long WINDOW_MS = 5_000;
  private static final long GRACE_MS = 200;
  /** The moment the first window (of {@link #WINDOW_MS}) closes. */
  private static final long CLOSE = T0 + WINDOW_MS + GRACE_MS;
  private static final String FILE_MODE = "rw-------";
  private static final String DIR_MODE = "rwx------";
  private static final String NOT_MARKERS = "session_id <> '" + TickMarker.SESSION + "'";

  @TempDir
  Path dir;

  private final ManualClock clock = new ManualClock(T0 + 100);
  private final TickMarker ticks = new TickMarker(clock);
  /** Random bytes inside every image, to prove where the pixels never went. */
  private final byte[] marker = new byte[32];
  private final List<EventBatch> batches = new CopyOnWriteArrayList<>();
  private final List<JsonObject> jsonBatches = new CopyOnWriteArrayList<>();
  private final List<JsonObject> deadLetters = new CopyOnWriteArrayList<>();
  private boolean listening;

  @BeforeEach
  void setUp() {
    new SecureRandom().nextBytes(marker);
  }

  // ---------------------------------------------------------------- routing, rows, refs, no pixels in the database

  @Test
  void routesByThresholdRecordsMetadataAndNeverWritesPixelsToTheDatabase(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config());
    byte[] below = png(5 * MB - 1, 1920, 1080);
    byte[] at = png(5 * MB, 2560, 1440);
    byte[] masked = png(100_000, 800, 600);
    String belowId = capture(vertx, T0 + 101, below, false, "Editor", "notes.txt - Editor");
    String atId = capture(vertx, T0 + 102, at, false, "Browser", "Inbox (3) – Mail");
    String maskedId = capture(vertx, T0 + 103, masked, true, "Bank", "Accounts");

    // Below the threshold stays in memory; at it, a temp file (0600 in a 0700 directory) holding exactly the image,
    // open in the module and without a name.
    assertEquals(DIR_MODE, mode(tempDir()));
    assertEquals(List.of(), namedTempFiles());
    List<Path> files = tempFiles();
    assertEquals(1, files.size(), "one temp file: " + files);
    assertArrayEquals(at, Files.readAllBytes(files.get(0)));
    assertEquals(FILE_MODE, mode(files.get(0)));

    StorageMetrics metrics = module.metrics();
    assertEquals(3, metrics.screenshotsReceived());
    assertEquals(2, metrics.screenshotsInMemory().get());
    assertEquals(1, metrics.screenshotsOnDisk().get());
    assertEquals(below.length + masked.length, metrics.screenshotMemoryBytes().get());
    assertEquals(0, metrics.screenshotsDeleted());

    assertRow(belowId, "memory", below.length, 1920, 1080, "Editor", "notes.txt - Editor", false);
    assertRow(atId, "disk", at.length, 2560, 1440, "Browser", "Inbox (3) – Mail", false);
    assertRow(maskedId, "memory", masked.length, 800, 600, "Bank", "Accounts", true);
    assertEquals(3, TestSupport.scalar(db(), "SELECT count(*) FROM screenshots"));

    // The batch carries one ref per image, saying where it lives, and its events carry no pixels.
    clock.set(CLOSE);
    EventBatch batch = awaitBatches(1).get(0);
    assertEquals(3, batch.events().size());
    for (RawEvent e : batch.events()) {
      assertNull(((Screenshot) e.data()).image(), "a batched screenshot event carries no image");
    }
    Map<String, ScreenshotRef> refs = refsById(batch);
    assertEquals(Set.of(belowId, atId, maskedId), refs.keySet());
    assertRef(refs.get(belowId), T0 + 101, below.length, 1920, 1080, ScreenshotStorage.MEMORY);
    assertRef(refs.get(atId), T0 + 102, at.length, 2560, 1440, ScreenshotStorage.DISK);
    assertRef(refs.get(maskedId), T0 + 103, masked.length, 800, 600, ScreenshotStorage.MEMORY);
    await("the JSON batch").atMost(Duration.ofMillis(2_000)).until(() -> jsonBatches.size() == 1);
    Map<String, String> jsonStorage = new HashMap<>();
    for (Object r : jsonBatches.get(0).getJsonArray("screenshot_refs")) {
      jsonStorage.put(((JsonObject) r).getString("screenshot_id"), ((JsonObject) r).getString("storage"));
    }
    assertEquals(Map.of(belowId, "memory", atId, "disk", maskedId, "memory"), jsonStorage);

    vertx.undeploy(module.deploymentID()).await();
    assertNoMarkerInDatabase();
  }

  @Test
  void aFullMemoryBudgetSendsCapturesToDiskAndOversizeIsDeadLettered(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config(ConfigKeys.SCREENSHOT_MEMORY_BUDGET_MB, 6,
      ConfigKeys.SCREENSHOT_MAX_MB, 6));
    byte[] first = png(4 * MB, 1000, 1000);
    byte[] fill = png(2 * MB, 1001, 1001);
    byte[] second = png(4 * MB, 1002, 1002);
    byte[] max = png(6 * MB, 1003, 1003);
    byte[] over = png(6 * MB + 1, 1004, 1004);
    String firstId = capture(vertx, T0 + 101, first, false, "A", "a");
    // 4 + 2 MB fills the 6 MB budget exactly: still memory.
    String fillId = capture(vertx, T0 + 102, fill, false, "A", "b");
    // The budget is full: a 4 MB capture (below the 5 MB threshold) goes to disk.
    String secondId = capture(vertx, T0 + 103, second, false, "A", "c");
    // Exactly screenshot_max_mb is accepted (and, above the threshold, on disk).
    String maxId = capture(vertx, T0 + 104, max, false, "A", "d");

    RawEvent tooLarge = event(T0 + 105, Uuids.random(), over, false, "A", "e");
    Throwable refused = failureOf(vertx.eventBus().request(Addresses.RAW_EVENT, tooLarge));
    assertEquals(400, ((ReplyException) refused).failureCode());
    assertEquals("too_large", refused.getMessage());
    await("the dead letter").atMost(Duration.ofMillis(2_000)).until(() -> deadLetters.size() == 1);
    JsonObject letter = deadLetters.get(0);
    assertEquals("too_large", letter.getString("reason"));
    assertEquals(tooLarge.id(), letter.getString("id"));
    assertTrue(letter.getString("detail").contains("data.image"), letter.getString("detail"));
    assertTrue(letter.getString("received").contains("<" + over.length + " bytes>"), letter.getString("received"));

    assertRow(firstId, "memory", first.length, 1000, 1000, "A", "a", false);
    assertRow(fillId, "memory", fill.length, 1001, 1001, "A", "b", false);
    assertRow(secondId, "disk", second.length, 1002, 1002, "A", "c", false);
    assertRow(maxId, "disk", max.length, 1003, 1003, "A", "d", false);
    assertEquals(4, TestSupport.scalar(db(), "SELECT count(*) FROM screenshots"));
    assertEquals(2, tempFiles().size());
    StorageMetrics metrics = module.metrics();
    assertEquals(4, metrics.screenshotsReceived());
    assertEquals(1, metrics.deadLetters(DeadLetterReason.TOO_LARGE));
    assertEquals(2, metrics.screenshotsInMemory().get());
    assertEquals(2, metrics.screenshotsOnDisk().get());
    assertEquals(6L * MB, metrics.screenshotMemoryBytes().get());

    // Deleting the in-memory ones gives the budget back: the next 4 MB capture is kept in memory again.
    clock.set(CLOSE);
    EventBatch batch = awaitBatches(1).get(0);
    assertEquals(4, batch.screenshotRefs().size());
    assertEquals(Set.of(firstId, fillId, secondId, maxId), refsById(batch).keySet());
    vertx.eventBus().send(Addresses.ANALYSIS_COMPLETE, new JsonObject().put("window_id", batch.windowId()));
    await("the batch's screenshots deleted").atMost(Duration.ofMillis(2_000))
      .until(() -> metrics.screenshotsDeleted() == 4);
    assertEquals(0, metrics.screenshotMemoryBytes().get());
    byte[] third = png(4 * MB, 1005, 1005);
    String thirdId = capture(vertx, CLOSE + 1, third, false, "A", "f");
    assertRow(thirdId, "memory", third.length, 1005, 1005, "A", "f", false);
    assertEquals(4L * MB, metrics.screenshotMemoryBytes().get());
    assertEquals(1, metrics.screenshotsInMemory().get());
    assertEquals(0, metrics.screenshotsOnDisk().get());
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void aMaskedCaptureWithoutAnImageIsKeptAsMetadataOnly(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config());
    String emptyId = capture(vertx, T0 + 101, new byte[0], true, "Bank", "Login");
    // The JSON form without an "image" field at all, and with an empty one.
    String absentId = Uuids.random();
    String blankId = Uuids.random();
    for (String[] c : new String[][]{{absentId, null}, {blankId, ""}}) {
      JsonObject data = new JsonObject().put("screenshot_id", c[0]).put("format", "png")
        .put("window_title", "Login").put("app_name", "Bank")
        .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 640).put("height", 480))
        .put("privacy_masked", true);
      if (c[1] != null) {
        data.put("image", c[1]);
      }
      JsonObject json = new JsonObject().put("id", Uuids.random()).put("timestamp", T0 + 102)
        .put("event_type", "screenshot").put("data", data);
      JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, json).await().body();
      assertEquals(Boolean.TRUE, ack.getBoolean("committed"));
    }
    // Not masked, an empty image is no capture at all.
    Throwable refused = failureOf(vertx.eventBus().request(Addresses.RAW_EVENT,
      event(T0 + 103, Uuids.random(), new byte[0], false, "Bank", "Login")));
    assertEquals("bad_image", refused.getMessage());

    for (String id : List.of(emptyId, absentId, blankId)) {
      Row row = row(id);
      assertNotNull(row, "row of " + id);
      assertEquals("none", row.storage);
      assertEquals(0, row.sizeBytes);
      assertNull(row.width);
      assertNull(row.height);
      assertTrue(row.privacyMasked);
      assertEquals(404, ((ReplyException) failureOf(fetch(vertx, id))).failureCode());
    }
    assertEquals(List.of(), tempFiles());
    StorageMetrics metrics = module.metrics();
    assertEquals(3, metrics.screenshotsReceived());
    assertEquals(0, metrics.screenshotsInMemory().get());
    assertEquals(0, metrics.screenshotsOnDisk().get());
    assertEquals(0, metrics.screenshotMemoryBytes().get());

    clock.set(CLOSE);
    EventBatch batch = awaitBatches(1).get(0);
    assertEquals(3, batch.events().size());
    assertEquals(List.of(), batch.screenshotRefs());
  }

  // ---------------------------------------------------------------- deletion

  @Test
  void analysisCompleteDeletesTheBatchsScreenshotsWithin100Ms(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config());
    String otherSession = Uuids.random();
    AtomicLong sentNanos = new AtomicLong();
    // The Analysis Engine reports completion the moment the batch arrives.
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> {
      if (!m.body().sessionId().equals(otherSession)) {
        sentNanos.set(System.nanoTime());
        vertx.eventBus().send(Addresses.ANALYSIS_COMPLETE, new JsonObject().put("window_id", m.body().windowId()));
      }
    }).completion().await();

    byte[] small = png(300_000, 1280, 720);
    byte[] large = png(5 * MB, 3840, 2160);
    byte[] others = png(200_000, 640, 480);
    String smallId = capture(vertx, T0 + 101, small, false, "Editor", "a");
    String largeId = capture(vertx, T0 + 102, large, false, "Editor", "b");
    RawEvent other = new RawEvent(Uuids.random(), otherSession, T0 + 103, screenshot(Uuids.random(), others, false,
      "Editor", "c"));
    vertx.eventBus().request(Addresses.RAW_EVENT, other).await();
    String otherId = ((Screenshot) other.data()).screenshotId();
    List<Path> files = tempFiles();
    assertEquals(1, files.size());
    Path largeFile = files.get(0);

    clock.set(CLOSE);
    awaitBatches(2);

    await("analysis-complete sent").atMost(Duration.ofMillis(2_000)).pollInterval(Duration.ofMillis(2))
      .until(() -> sentNanos.get() != 0);
    // Within 100 ms of analysis-complete being sent.
    long leftNanos = sentNanos.get() + TimeUnit.MILLISECONDS.toNanos(100) - System.nanoTime();
    await("the screenshots deleted").atMost(Duration.ofNanos(Math.max(leftNanos, TimeUnit.MILLISECONDS.toNanos(1))))
      .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).untilAsserted(() -> {
        assertEquals(List.of(), tempFiles(), "the large screenshot's file is still open");
        assertEquals(404, fetchCode(vertx, smallId), "fetching the small one");
        assertEquals(404, fetchCode(vertx, largeId), "fetching the large one");
      });

    await("the deletions recorded").atMost(Duration.ofMillis(2_000))
      .until(() -> row(smallId).deletedAt != null && row(largeId).deletedAt != null);
    for (String id : List.of(smallId, largeId)) {
      assertEquals(CLOSE, row(id).deletedAt);
      assertEquals("analysis-complete", row(id).deletedReason);
    }
    // Another batch's screenshot is untouched.
    assertArrayEquals(others, fetch(vertx, otherId).await().body().getBytes());
    assertNull(row(otherId).deletedAt);
    StorageMetrics metrics = module.metrics();
    assertEquals(2, deleted(module, "analysis-complete"));
    assertEquals(2, metrics.screenshotsDeleted());
    assertEquals(1, metrics.screenshotsInMemory().get());
    assertEquals(0, metrics.screenshotsOnDisk().get());
    assertEquals(others.length, metrics.screenshotMemoryBytes().get());
  }

  @Test
  void retentionCountsFromTheBatchsEmissionNeverFromTheCapture(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config(ConfigKeys.SCREENSHOT_RETENTION_SECONDS, 1));
    byte[] small = png(10_000, 100, 100);
    byte[] large = png(5 * MB, 200, 200);
    String smallId = capture(vertx, T0 + 101, small, false, "A", "a");
    String largeId = capture(vertx, T0 + 102, large, false, "A", "b");
    Path largeFile = tempFiles().get(0);
    // Each marker goes out at the batcher's next tick and is deleted at the store's first tick a retention
    // period later: the store tick that deletes it has looked at this test's screenshots at the same clock.
    String expiresFirst = markerScreenshot(vertx, small);

    // Retention seconds have long passed since the capture, but the window is still open (1 ms short of
    // closing): nothing is emitted, so nothing may be deleted. The second marker proves a batcher tick at this
    // clock; the first marker's deletion a store tick.
    clock.set(CLOSE - 1);
    String expiresSecond = markerScreenshot(vertx, small);
    await("a store tick at this clock").atMost(Duration.ofMillis(2_000))
      .until(() -> fetchCode(vertx, expiresFirst) == 404);
    assertEquals(List.of(), batches);
    assertRetained(vertx, smallId, small, largeId, large, largeFile);

    clock.set(CLOSE);
    awaitBatches(1);
    await("the batch recorded").atMost(Duration.ofMillis(2_000))
      .until(() -> TestSupport.scalar(db(), "SELECT count(*) FROM batches WHERE " + NOT_MARKERS) == 1);
    long emittedAt = TestSupport.scalar(db(), "SELECT emitted_at_ms FROM batches WHERE " + NOT_MARKERS);
    assertEquals(CLOSE, emittedAt);

    // 1 ms before emitted_at + retention: still there (the second marker, emitted 1 ms earlier, is deleted).
    clock.set(emittedAt + 1_000 - 1);
    await("a store tick at this clock").atMost(Duration.ofMillis(2_000))
      .until(() -> fetchCode(vertx, expiresSecond) == 404);
    assertRetained(vertx, smallId, small, largeId, large, largeFile);

    clock.set(emittedAt + 1_000);
    await("retention deletes both").atMost(Duration.ofMillis(2_000)).until(() -> tempFiles().isEmpty()
      && fetchCode(vertx, smallId) == 404 && fetchCode(vertx, largeId) == 404);
    await("the deletions recorded").atMost(Duration.ofMillis(2_000))
      .until(() -> row(smallId).deletedAt != null && row(largeId).deletedAt != null);
    for (String id : List.of(smallId, largeId)) {
      assertEquals(emittedAt + 1_000, row(id).deletedAt);
      assertEquals("retention", row(id).deletedReason);
    }
    assertEquals(2 + ticks.sent(), deleted(module, "retention"), "the two and the markers");
    assertEquals(2 + ticks.sent(), module.metrics().screenshotsDeleted());
    assertEquals(0, module.metrics().screenshotsInMemory().get());
    assertEquals(0, module.metrics().screenshotsOnDisk().get());
    assertEquals(0, module.metrics().screenshotMemoryBytes().get());
  }

  /** Deleting a capture must be final: the same event re-sent later is a duplicate, not a new copy of the pixels. */
  @Test
  void aReSentCaptureIsNotKeptAgainAfterItsDeletion(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config());
    byte[] large = png(5 * MB, 200, 200);
    RawEvent event = event(T0 + 101, Uuids.random(), large, false, "A", "a");
    String id = ((Screenshot) event.data()).screenshotId();
    vertx.eventBus().request(Addresses.RAW_EVENT, event).await();
    clock.set(CLOSE);
    EventBatch batch = awaitBatches(1).get(0);
    vertx.eventBus().send(Addresses.ANALYSIS_COMPLETE, new JsonObject().put("window_id", batch.windowId()));
    await("the screenshot deleted").atMost(Duration.ofMillis(2_000))
      .until(() -> fetchCode(vertx, id) == 404 && tempFiles().isEmpty());

    JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, event).await().body();
    assertEquals(Boolean.TRUE, ack.getBoolean("duplicate"));
    assertEquals(404, fetchCode(vertx, id));
    assertEquals(List.of(), tempFiles(), "the re-sent capture's pixels were written again");
    assertEquals(0, module.metrics().screenshotsOnDisk().get());
    assertEquals("analysis-complete", row(id).deletedReason);
  }

  // ---------------------------------------------------------------- fetching

  @Test
  void fetchReturnsTheExactBytesWhileRetainedAnd404AfterwardsAnd400ForABadId(Vertx vertx) throws Exception {
    start(vertx, config());
    byte[] small = png(70_000, 320, 200);
    byte[] large = png(5 * MB + 17, 321, 201);
    String smallId = capture(vertx, T0 + 101, small, false, "A", "a");
    String largeId = capture(vertx, T0 + 102, large, false, "A", "b");

    for (Map.Entry<String, byte[]> e : Map.of(smallId, small, largeId, large).entrySet()) {
      Message<Buffer> reply = fetch(vertx, e.getKey()).await();
      assertArrayEquals(e.getValue(), reply.body().getBytes());
      assertEquals("png", reply.headers().get("format"));
      assertEquals(Long.toString(e.getValue().length), reply.headers().get("size_bytes"));
    }

    for (Object bad : List.of(new JsonObject().put("screenshot_id", "not-a-uuid"), new JsonObject().put("screenshot_id", ""),
      new JsonObject().put("screenshot_id", 42), new JsonObject(), "{\"screenshot_id\":\"" + smallId + "\"}")) {
      Throwable failure = failureOf(vertx.eventBus().request(Addresses.SCREENSHOT, bad));
      assertEquals(400, ((ReplyException) failure).failureCode(), "for " + bad);
    }
    assertEquals(404, fetchCode(vertx, Uuids.random()));

    clock.set(CLOSE);
    EventBatch batch = awaitBatches(1).get(0);
    vertx.eventBus().send(Addresses.ANALYSIS_COMPLETE, new JsonObject().put("window_id", batch.windowId()));
    await("both deleted").atMost(Duration.ofMillis(2_000))
      .until(() -> fetchCode(vertx, smallId) == 404 && fetchCode(vertx, largeId) == 404);
  }

  @Test
  void aHeldScreenshotHasNoNameAnotherProcessCouldOpenAndIsFetchedThroughItsChannel(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config());
    byte[] large = png(8 * MB, 3840, 2160);
    String id = capture(vertx, T0 + 101, large, false, "A", "a");

    // Held: fetch returns it, and nothing under the temp directory that a process can open by name holds its bytes.
    assertArrayEquals(large, fetch(vertx, id).await().body().getBytes());
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path f : all.filter(Files::isRegularFile).toList()) {
        assertEquals(-1, indexOf(Files.readAllBytes(f), marker), "the held screenshot's bytes in " + f);
      }
    }
    // The bytes are in a file without a name, open in the module (this process), 0600.
    List<Path> held = tempFiles();
    assertEquals(1, held.size());
    assertArrayEquals(large, Files.readAllBytes(held.get(0)));
    assertEquals(FILE_MODE, mode(held.get(0)));

    // Deleting it closes the file, and with it the last reference to its content.
    vertx.undeploy(module.deploymentID()).await();
    assertEquals(List.of(), tempFiles());
    assertEquals(List.of(), namedTempFiles());
  }

  // ---------------------------------------------------------------- shutdown and start-up

  @Test
  void aGracefulStopDeletesEveryRetainedScreenshot(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config());
    String otherSession = Uuids.random();
    byte[] analysed = png(50_000, 10, 10);
    byte[] emitted = png(60_000, 11, 11);
    byte[] open = png(5 * MB, 12, 12);
    String analysedId = capture(vertx, T0 + 101, analysed, false, "A", "a");
    RawEvent other = new RawEvent(Uuids.random(), otherSession, T0 + 102, screenshot(Uuids.random(), emitted, false, "A", "b"));
    vertx.eventBus().request(Addresses.RAW_EVENT, other).await();
    String emittedId = ((Screenshot) other.data()).screenshotId();
    clock.set(CLOSE);
    List<EventBatch> first = awaitBatches(2);
    EventBatch mine = first.get(0).sessionId().equals(otherSession) ? first.get(1) : first.get(0);
    vertx.eventBus().send(Addresses.ANALYSIS_COMPLETE, new JsonObject().put("window_id", mine.windowId()));
    await("the analysed one deleted").atMost(Duration.ofMillis(2_000)).until(() -> fetchCode(vertx, analysedId) == 404);
    // In the next window, still open when the module stops.
    String openId = capture(vertx, CLOSE + 1, open, false, "A", "c");
    assertEquals(1, tempFiles().size());

    clock.set(CLOSE + 500);
    vertx.undeploy(module.deploymentID()).await();

    assertEquals(List.of(), tempFiles());
    assertEquals("analysis-complete", row(analysedId).deletedReason);
    assertEquals(CLOSE, row(analysedId).deletedAt);
    for (String id : List.of(emittedId, openId)) {
      assertEquals("shutdown", row(id).deletedReason, id);
      assertEquals(CLOSE + 500, row(id).deletedAt);
    }
    assertEquals(0, TestSupport.scalar(db(), "SELECT count(*) FROM screenshots WHERE deleted_at_ms IS NULL"));
    // The open window was emitted on the way down, its ref included.
    awaitBatches(3);
    assertEquals(ScreenshotStorage.DISK, refsById(batches.get(2)).get(openId).storage());
    StorageMetrics metrics = module.metrics();
    assertEquals(3, metrics.screenshotsDeleted());
    assertEquals(2, deleted(module, "shutdown"));
    assertEquals(0, metrics.screenshotsInMemory().get());
    assertEquals(0, metrics.screenshotsOnDisk().get());
    assertEquals(0, metrics.screenshotMemoryBytes().get());
  }

  @Test
  void startUpSweepsLeftoverFilesAndMarksUndeletedRows(Vertx vertx) throws Exception {
    StorageModule first = start(vertx, config());
    String keptId = capture(vertx, T0 + 101, png(50_000, 10, 10), false, "A", "a");
    String memoryId = capture(vertx, T0 + 102, png(60_000, 11, 11), false, "A", "b");
    String diskId = capture(vertx, T0 + 103, png(5 * MB, 12, 12), false, "A", "c");
    String maskedId = capture(vertx, T0 + 104, new byte[0], true, "A", "d");
    clock.set(CLOSE);
    assertEquals(4, awaitBatches(1).get(0).events().size());
    vertx.undeploy(first.deploymentID()).await();
    assertEquals(3, TestSupport.scalar(db(), "SELECT count(*) FROM screenshots WHERE deleted_reason = 'shutdown'"));

    // What a crash would have left: rows never marked deleted, files in the temp directory, a loosened mode.
    try (Connection c = TestSupport.open(db()); PreparedStatement s = c.prepareStatement(
      "UPDATE screenshots SET deleted_at_ms = NULL, deleted_reason = NULL WHERE screenshot_id IN (?, ?)")) {
      s.setString(1, memoryId);
      s.setString(2, diskId);
      assertEquals(2, s.executeUpdate());
    }
    Files.write(tempDir().resolve(diskId + ".png"), png(5 * MB, 12, 12));
    Files.write(tempDir().resolve(Uuids.random() + ".webp"), png(1_000, 1, 1));
    // Files the module never names so, which the sweep must leave alone: a person's, or another program's.
    Files.write(tempDir().resolve("notes.txt"), marker);
    Files.write(tempDir().resolve(diskId + ".png.bak"), marker);
    Files.createDirectories(tempDir().resolve("nested"));
    Path nested = tempDir().resolve("nested").resolve(Uuids.random() + ".png");
    Files.write(nested, marker);
    Files.setPosixFilePermissions(tempDir(), PosixFilePermissions.fromString("rwxr-xr-x"));

    long restart = T0 + 3_600_000;
    clock.set(restart);
    StorageModule second = start(vertx, config());
    try (Stream<Path> left = Files.list(tempDir())) {
      assertEquals(Set.of("notes.txt", diskId + ".png.bak", "nested"),
        left.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
    }
    assertArrayEquals(marker, Files.readAllBytes(tempDir().resolve("notes.txt")));
    assertArrayEquals(marker, Files.readAllBytes(nested));
    assertEquals(DIR_MODE, mode(tempDir()));
    for (String id : List.of(memoryId, diskId)) {
      assertEquals("startup-sweep", row(id).deletedReason, id);
      assertEquals(restart, row(id).deletedAt);
    }
    // A deletion already recorded stays as it was.
    assertEquals("shutdown", row(keptId).deletedReason);
    assertEquals(CLOSE, row(keptId).deletedAt);
    assertEquals("none", row(maskedId).storage);
    assertEquals(2, deleted(second, "startup-sweep"));
    assertEquals(2, second.metrics().screenshotsDeleted());
    assertEquals(0, second.metrics().screenshotsOnDisk().get());
  }

  /** Dev copies outlive only runs in dev mode: the first start without it removes them (and nothing else). */
  @Test
  void startingWithoutDevModeRemovesTheDevCopies(Vertx vertx) throws Exception {
    StorageModule first = start(vertx, config(ConfigKeys.DEV_MODE, true));
    byte[] image = png(3_000, 30, 30);
    capture(vertx, T0 + 101, image, false, "A", "a");
    Path devDir = tempDir().resolve("dev");
    await("the dev copy").atMost(Duration.ofMillis(2_000)).until(() -> devFiles(devDir).size() == 1);
    vertx.undeploy(first.deploymentID()).await();
    assertEquals(1, devFiles(devDir).size());

    StorageModule second = start(vertx, config());
    assertFalse(Files.exists(devDir), "dev copies left: " + devFiles(devDir));

    // A file of someone else's in the dev directory keeps it, and itself.
    Files.createDirectories(devDir);
    Files.write(devDir.resolve(Uuids.random() + ".png"), image);
    Files.write(devDir.resolve("keep.me"), marker);
    vertx.undeploy(second.deploymentID()).await();
    start(vertx, config());
    assertEquals(List.of(devDir.resolve("keep.me")), devFiles(devDir));
  }

  /**
   * A re-sent event (same id) brings a capture of its own: the writer does not store the event again, so no
   * batch will carry those pixels and they go at once. The original's capture, re-sent with it, stays.
   */
  @Test
  void aDuplicateEventsOwnCaptureIsDeletedAtOnceTheOriginalsStays(Vertx vertx) throws Exception {
    StorageModule module = start(vertx, config());
    String eventId = Uuids.random();
    String firstShot = Uuids.random();
    byte[] large = png(5 * MB, 200, 200);
    RawEvent original = new RawEvent(eventId, null, T0 + 101, screenshot(firstShot, large, false, "A", "a"));
    assertNull(vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, original).await().body().getValue("duplicate"));
    // The same event again, with its capture: the retained one is the original's.
    assertEquals(Boolean.TRUE, vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, original).await().body()
      .getBoolean("duplicate"));
    // The same event id with a new capture, on disk and in memory.
    String diskShot = Uuids.random();
    String memoryShot = Uuids.random();
    for (RawEvent resent : List.of(
      new RawEvent(eventId, null, T0 + 102, screenshot(diskShot, png(5 * MB, 201, 201), false, "A", "b")),
      new RawEvent(eventId, null, T0 + 103, screenshot(memoryShot, png(20_000, 20, 20), false, "A", "c")))) {
      assertEquals(Boolean.TRUE, vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, resent).await().body()
        .getBoolean("duplicate"));
    }
    await("the duplicates' pixels deleted").atMost(Duration.ofMillis(2_000))
      .until(() -> fetchCode(vertx, diskShot) == 404 && fetchCode(vertx, memoryShot) == 404);
    assertEquals(1, tempFiles().size());
    assertEquals(List.of(), namedTempFiles());
    assertArrayEquals(large, fetch(vertx, firstShot).await().body().getBytes());
    assertEquals(2, deleted(module, "duplicate"));
    assertEquals(0, module.metrics().screenshotsInMemory().get());
    assertEquals(1, module.metrics().screenshotsOnDisk().get());
  }

  /**
   * Dev mode keeps copies of the newest captures beside the temp files; they must outlive the stop and the
   * next start's sweep. The temp directory is also given with a trailing slash, as a person might write it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"screenshots", "screenshots/"})
  void devModeKeepsTheNewestFiveAcrossStopAndRestart(String tempDirName, Vertx vertx) throws Exception {
    JsonObject conf = config(ConfigKeys.DEV_MODE, true, ConfigKeys.DEV_MODE_SCREENSHOT_COUNT, 5,
      ConfigKeys.SCREENSHOT_TEMP_DIR, dir + "/" + tempDirName);
    StorageModule first = start(vertx, conf);
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      // Distinct contents; the sixth is above the memory threshold, so copies come from both kinds of storage.
      byte[] image = png(i == 5 ? 5 * MB : 2_000 + i, 100 + i, 100 + i);
      images.add(image);
      capture(vertx, T0 + 101 + i, image, false, "A", "capture " + i);
    }
    Path devDir = tempDir().resolve("dev");
    await("the newest five in the dev directory").atMost(Duration.ofMillis(2_000))
      .until(() -> devContents(devDir, images).equals(Set.of(3, 4, 5, 6, 7)));
    assertEquals(DIR_MODE, mode(devDir));
    for (Path p : devFiles(devDir)) {
      assertEquals(FILE_MODE, mode(p), p.toString());
    }

    vertx.undeploy(first.deploymentID()).await();
    assertEquals(Set.of(3, 4, 5, 6, 7), devContents(devDir, images), "after the stop");
    assertEquals(List.of(), tempFiles(), "only the dev copies remain");

    clock.set(T0 + 3_600_000);
    start(vertx, conf);
    assertEquals(Set.of(3, 4, 5, 6, 7), devContents(devDir, images), "after the restart's sweep");
    // A newer capture replaces the oldest kept copy, one for one.
    byte[] ninth = png(3_000, 300, 300);
    images.add(ninth);
    capture(vertx, T0 + 3_600_000, ninth, false, "A", "capture 8");
    await("the ninth replacing the fourth").atMost(Duration.ofMillis(2_000))
      .until(() -> devContents(devDir, images).equals(Set.of(4, 5, 6, 7, 8)));
  }

  // ---------------------------------------------------------------- helpers

  private JsonObject config(Object... overrides) {
    Object[] all = new Object[6 + overrides.length];
    Object[] base = {ConfigKeys.BATCH_WINDOW_SECONDS, (int) (WINDOW_MS / 1000), ConfigKeys.WINDOW_GRACE_MS, (int) GRACE_MS,
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50};
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(overrides, 0, all, base.length, overrides.length);
    return TestSupport.config(dir, all);
  }

  /** Deploys the module and listens to its batches and dead letters. */
  private StorageModule start(Vertx vertx, JsonObject conf) {
    StorageModule module = TestSupport.deploy(vertx, clock, conf);
    if (!listening) {
      listening = true;
      Future.all(
        vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> {
          if (!ticks.take(m.body())) {
            batches.add(m.body());
          }
        }).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_BATCH_JSON, m -> jsonBatches.add(m.body())).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.DEAD_LETTER, m -> deadLetters.add(m.body())).completion()).await();
    }
    return module;
  }

  private Path db() {
    return dir.resolve("events.db");
  }

  private Path tempDir() {
    return dir.resolve("screenshots");
  }

  private byte[] png(int size, int width, int height) {
    byte[] image = TestPng.png(size, width, height, marker);
    // The search for the marker must be able to find it.
    assertTrue(indexOf(image, marker) >= 0);
    return image;
  }

  private static Screenshot screenshot(String id, byte[] image, boolean masked, String app, String title) {
    return new Screenshot(id, ImageFormat.PNG, image, title, app, new Screenshot.Region(10, 20, 1920, 1080), masked);
  }

  private static RawEvent event(long ts, String screenshotId, byte[] image, boolean masked, String app, String title) {
    return new RawEvent(Uuids.random(), null, ts, screenshot(screenshotId, image, masked, app, title));
  }

  /** Sends a capture as a typed event, waits until it is committed and returns its screenshot id. */
  private static String capture(Vertx vertx, long ts, byte[] image, boolean masked, String app, String title) {
    String id = Uuids.random();
    JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, event(ts, id, image, masked, app, title))
      .await().body();
    assertEquals(Boolean.TRUE, ack.getBoolean("committed"));
    assertNull(ack.getValue("duplicate"));
    return id;
  }

  private static Future<Message<Buffer>> fetch(Vertx vertx, String id) {
    return vertx.eventBus().request(Addresses.SCREENSHOT, new JsonObject().put("screenshot_id", id));
  }

  /** 200 when the screenshot can be fetched, else the failure code. */
  private static int fetchCode(Vertx vertx, String id) {
    AsyncResult<Message<Buffer>> ar = fetch(vertx, id).<AsyncResult<Message<Buffer>>>transform(Future::succeededFuture).await();
    return ar.succeeded() ? 200 : ((ReplyException) ar.cause()).failureCode();
  }

  private static Throwable failureOf(Future<?> future) {
    AsyncResult<?> ar = future.<AsyncResult<?>>transform(Future::succeededFuture).await();
    assertTrue(ar.failed(), "expected a failure, got " + ar.result());
    return ar.cause();
  }

  private void assertRetained(Vertx vertx, String smallId, byte[] small, String largeId, byte[] large, Path largeFile)
    throws Exception {
    assertArrayEquals(small, fetch(vertx, smallId).await().body().getBytes());
    assertArrayEquals(large, fetch(vertx, largeId).await().body().getBytes());
    assertEquals(List.of(largeFile), tempFiles());
    assertNull(row(smallId).deletedAt);
    assertNull(row(largeId).deletedAt);
  }

  /** Sends a tick marker carrying a screenshot, waits until its batch went out and returns the screenshot's id. */
  private String markerScreenshot(Vertx vertx, byte[] image) {
    String id = Uuids.random();
    ticks.awaitEmitted(ticks.send(vertx, screenshot(id, image, false, "Marker", "marker")));
    return id;
  }

  private List<EventBatch> awaitBatches(int n) throws Exception {
    await(n + " batches").atMost(Duration.ofMillis(3_000)).pollInterval(Duration.ofMillis(5))
      .until(() -> batches.size() >= n);
    assertEquals(n, batches.size());
    return List.copyOf(batches);
  }

  private static Map<String, ScreenshotRef> refsById(EventBatch batch) {
    Map<String, ScreenshotRef> refs = new HashMap<>();
    for (ScreenshotRef r : batch.screenshotRefs()) {
      refs.put(r.screenshotId(), r);
    }
    assertEquals(batch.screenshotRefs().size(), refs.size(), "one ref per screenshot");
    return refs;
  }

  private static void assertRef(ScreenshotRef ref, long ts, long size, int width, int height, ScreenshotStorage storage) {
    assertEquals(ts, ref.timestampMs());
    assertEquals(ImageFormat.PNG, ref.format());
    assertEquals(size, ref.sizeBytes());
    assertEquals(width, ref.width());
    assertEquals(height, ref.height());
    assertEquals(storage, ref.storage());
  }

  private long deleted(StorageModule module, String reason) {
    Counter c = module.metrics().registry().find(StorageMetrics.PREFIX + "screenshots.deleted").tag("reason", reason).counter();
    return c == null ? 0 : (long) c.count();
  }

  /** A row of the screenshots table (CONTRACT §4). */
  private record Row(String storage, long sizeBytes, Long width, Long height, String format, String appName,
                     String windowTitle, boolean privacyMasked, Long deletedAt, String deletedReason) {
  }

  private Row row(String id) throws SQLException {
    try (Connection c = TestSupport.open(db()); PreparedStatement s = c.prepareStatement("SELECT storage, size_bytes, "
      + "width, height, format, app_name, window_title, privacy_masked, deleted_at_ms, deleted_reason "
      + "FROM screenshots WHERE screenshot_id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        return new Row(rs.getString(1), rs.getLong(2), nullableLong(rs, 3), nullableLong(rs, 4), rs.getString(5),
          rs.getString(6), rs.getString(7), rs.getInt(8) != 0, nullableLong(rs, 9), rs.getString(10));
      }
    }
  }

  private static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  private void assertRow(String id, String storage, long size, long width, long height, String app, String title,
                         boolean masked) throws SQLException {
    Row row = row(id);
    assertNotNull(row, "no row for " + id);
    assertEquals(new Row(storage, size, width, height, "png", app, title, masked, null, null), row);
  }

  /**
   * The temp files the module holds: descriptors of this process (Linux's {@code /proc/self/fd}) open on files of
   * the temp directory whose names were removed; each path reads the file's content and mode.
   */
  static List<Path> heldFiles(Path tempDir) throws IOException {
    String prefix = tempDir.toRealPath() + "/";
    List<Path> held = new ArrayList<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException closedMeanwhile) {
          continue;
        }
        if (target.startsWith(prefix) && !target.startsWith(prefix + "dev/") && target.endsWith(" (deleted)")) {
          held.add(fd);
        }
      }
    }
    return held;
  }

  private List<Path> tempFiles() throws IOException {
    return Files.exists(tempDir()) ? heldFiles(tempDir()) : List.of();
  }

  /** Files in the temp directory that any process could open by name. */
  private List<Path> namedTempFiles() throws IOException {
    if (!Files.exists(tempDir())) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(tempDir())) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private static List<Path> devFiles(Path devDir) throws IOException {
    if (!Files.isDirectory(devDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(devDir)) {
      return s.toList();
    }
  }

  /** Which of {@code images} (by index) the dev directory holds, each exactly once; -1 stands for anything else. */
  private static Set<Integer> devContents(Path devDir, List<byte[]> images) throws IOException {
    Set<Integer> found = new HashSet<>();
    List<Path> files = devFiles(devDir);
    for (Path p : files) {
      byte[] content;
      try {
        content = Files.readAllBytes(p);
      } catch (IOException gone) {
        return Set.of(-2);
      }
      int index = -1;
      for (int i = 0; i < images.size(); i++) {
        if (Arrays.equals(images.get(i), content)) {
          index = i;
        }
      }
      found.add(index);
    }
    return found.size() == files.size() ? found : Set.of(-3);
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private void assertNoMarkerInDatabase() throws IOException {
    int checked = 0;
    for (String suffix : List.of("", "-wal", "-shm")) {
      Path f = db().resolveSibling(db().getFileName() + suffix);
      if (Files.exists(f)) {
        checked++;
        assertEquals(-1, indexOf(Files.readAllBytes(f), marker), "image bytes found in " + f);
      }
    }
    assertTrue(checked > 0);
    assertTrue(Files.size(db()) > 0);
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
