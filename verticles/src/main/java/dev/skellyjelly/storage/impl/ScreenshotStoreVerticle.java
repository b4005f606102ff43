package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.ImageInfo;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.Messages.BatchEmitted;
import dev.skellyjelly.storage.impl.Messages.DuplicateScreenshots;
import dev.skellyjelly.storage.impl.Messages.ForgetScreenshots;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletion;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletions;
import dev.skellyjelly.storage.impl.Messages.StoreScreenshot;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.file.FileSystem;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * Keeps screenshot bytes only as long as analysis needs them: small ones in memory within a byte budget,
 * the rest in temp files (0600 in a 0700 directory) whose names are removed as soon as they are open
 * ({@link HeldFile}; dev mode's copies keep theirs), read back through the open channel. Bytes are
 * deleted when the batch carrying them is reported analysed, or {@code screenshot_retention_seconds} after
 * that batch was emitted, or at shutdown; a start-up sweep removes whatever a crash left behind.
 */
public final class ScreenshotStoreVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ScreenshotStoreVerticle.class);
  private static final String FILE_MODE = "rw-------";
  private static final String DIR_MODE = "rwx------";
  private static final long TIMEOUT_MS = 120_000;
  private static final FileAttribute<?> PRIVATE_FILE =
    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(FILE_MODE));
  private static volatile boolean namedFallbackLogged;

  private final ModuleContext ctx;
  private final DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS);
  private StorageConfig config;
  private FileSystem fs;
  private String dir;
  private String devDir;

  /** Every retained screenshot, by id. */
  private final Map<String, Held> held = new HashMap<>();
  /** Screenshots of each emitted batch, by window id, until analysed or expired. */
  private final Map<String, List<String>> byBatch = new HashMap<>();
  private final PriorityQueue<Expiry> expiries = new PriorityQueue<>((a, b) -> Long.compare(a.atMs, b.atMs));
  private DevCopies devCopies;
  private List<ScreenshotDeletion> deletions = new ArrayList<>();
  private final List<Future<?>> recording = new ArrayList<>();
  private long memoryBytes;
  /**
   * How many accepted events were answered with each retained screenshot: a re-sent event's copy of a
   * screenshot goes only when no other accepted event holds it.
   */
  private final Map<String, Integer> claims = new HashMap<>();
  /** Screenshots deleted within the last hour (re-sent ids are recognised that long), oldest first. */
  private final Map<String, Gone> recentlyDeleted = new LinkedHashMap<>();

  private record Gone(ScreenshotRef ref, long atMs) {
  }

  public ScreenshotStoreVerticle(ModuleContext ctx) {
    this.ctx = ctx;
  }

  /**
   * A screenshot kept: its bytes in memory, or its file once created and written ({@link HeldFile}: without a name
   * where the system allows), which a deletion or a fetch waits for.
   */
  private record Held(ScreenshotRef ref, byte[] bytes, Future<HeldFile> file) {
  }

  private record Expiry(long atMs, String screenshotId) {
  }

  @Override
  public Future<?> start() {
    config = StorageConfig.fromJson(config());
    fs = vertx.fileSystem();
    dir = Path.of(config.screenshotTempDir()).toAbsolutePath().normalize().toString();
    // A stop that runs out of time still takes the pixels with it, before the process may end.
    Context own = vertx.getOrCreateContext();
    ctx.shutdown().atDeadline(() -> {
      Promise<Void> gone = Promise.promise();
      own.runOnContext(v -> deleteHeld().onComplete(ar -> gone.complete()));
      return gone.future();
    });
    devDir = dir + "/dev";
    devCopies = new DevCopies(vertx, devDir, config.devModeScreenshotCount(), PRIVATE_FILE);
    return fs.mkdirs(dir, DIR_MODE)
      .compose(v -> fs.chmod(dir, DIR_MODE))
      .compose(v -> ScreenshotSweep.run(fs, dir, devDir, config.devMode()))
      .compose(v -> config.devMode() ? fs.mkdirs(devDir, DIR_MODE).compose(x -> devCopies.load()) : Future.succeededFuture())
      .compose(v -> Future.all(
        vertx.eventBus().<StoreScreenshot>localConsumer(InternalAddresses.SCREENSHOT_STORE, this::onStore).completion(),
        vertx.eventBus().<BatchEmitted>localConsumer(InternalAddresses.BATCH_EMITTED, this::onBatchEmitted).completion(),
        vertx.eventBus().<DuplicateScreenshots>localConsumer(InternalAddresses.SCREENSHOT_DUPLICATE, this::onDuplicates)
          .completion(),
        vertx.eventBus().<ForgetScreenshots>localConsumer(InternalAddresses.SCREENSHOT_FORGET, this::onForget).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.ANALYSIS_COMPLETE, this::onAnalysisComplete).completion(),
        vertx.eventBus().<Object>consumer(Addresses.SCREENSHOT, this::onFetch).completion()))
      .onSuccess(v -> vertx.setPeriodic(Math.max(10, Math.min(1000, config.screenshotRetentionSeconds() * 250)), id -> tick()));
  }

  /** Deletes every retained screenshot (dev copies stay) and waits until the deletions are recorded. */
  @Override
  public Future<?> stop() {
    // A stop that runs out of time (the database cannot commit) still takes the pixels with it: the files go
    // at the deadline (see start), and the next start-up sweep records their deletion.
    return ctx.shutdown().stop(vertx, ShutdownSequence.Stage.SCREENSHOTS, this::drain);
  }

  private Future<?> drain() {
    return deleteHeld().transform(ar -> {
      flushDeletions();
      return Future.join(new ArrayList<>(recording));
    });
  }

  private Future<?> deleteHeld() {
    List<Future<?>> deleting = new ArrayList<>();
    for (String id : new ArrayList<>(held.keySet())) {
      deleting.add(delete(id, "shutdown"));
    }
    return Future.join(deleting);
  }

  // ---------------------------------------------------------------- start-up

  // ---------------------------------------------------------------- storing

  private void onStore(Message<StoreScreenshot> msg) {
    long started = System.nanoTime();
    StoreScreenshot req = msg.body();
    Screenshot shot = req.screenshot();
    Held existing = held.get(shot.screenshotId());
    if (existing != null) {
      claims.merge(shot.screenshotId(), 1, Integer::sum);
      msg.reply(existing.ref(), local);
      return;
    }
    Gone gone = recentlyDeleted.get(shot.screenshotId());
    if (gone != null) {
      // Deleted already (a re-sent capture): never keep its pixels again.
      msg.reply(gone.ref(), local);
      return;
    }
    byte[] image = shot.image();
    ImageInfo info = req.info();
    boolean inMemory = image.length < config.screenshotMemoryThresholdBytes()
      && memoryBytes + image.length <= config.screenshotMemoryBudgetBytes();
    ScreenshotRef ref = new ScreenshotRef(shot.screenshotId(), req.timestampMs(), shot.format(), image.length,
      info.width(), info.height(), inMemory ? ScreenshotStorage.MEMORY : ScreenshotStorage.DISK);
    Future<Void> stored;
    if (inMemory) {
      held.put(shot.screenshotId(), new Held(ref, image, null));
      memoryBytes += image.length;
      stored = Future.succeededFuture();
    } else {
      String path = dir + "/" + shot.screenshotId() + "." + shot.format().wireName();
      // Reserve the id as the write starts: a re-sent capture arriving during the write finds it.
      Held h = new Held(ref, null, holdPrivate(path, image));
      held.put(shot.screenshotId(), h);
      stored = h.file().<Void>mapEmpty().onFailure(err -> held.remove(shot.screenshotId(), h));
    }
    stored
      .onSuccess(v -> {
        claims.merge(shot.screenshotId(), 1, Integer::sum);
        gauges();
        ctx.metrics().screenshotProcessing().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        msg.reply(ref, local);
        if (config.devMode()) {
          devCopies.keep(shot, image);
        }
      })
      .onFailure(err -> {
        LOG.error("screenshot {} could not be written: {}", shot.screenshotId(), err.getMessage());
        msg.fail(503, "screenshot not stored: " + err.getMessage());
      });
  }

  /**
   * Creates a new file readable by its owner only, removes its name and writes the image into it, on a worker
   * thread in one step.
   */
  private Future<HeldFile> holdPrivate(String path, byte[] image) {
    return vertx.executeBlocking(() -> {
      HeldFile f = HeldFile.create(Path.of(path), image, PRIVATE_FILE);
      if (f.named() && !namedFallbackLogged) {
        namedFallbackLogged = true;
        LOG.info("this system keeps the names of open files: held screenshots stay named until deleted, and the "
          + "start-up sweep removes those a crash leaves");
      }
      return f;
    }, false);
  }

  // ---------------------------------------------------------------- lifecycle

  private void onBatchEmitted(Message<BatchEmitted> msg) {
    BatchEmitted b = msg.body();
    byBatch.put(b.windowId(), b.screenshotIds());
    long at = b.emittedAtMs() + config.screenshotRetentionSeconds() * 1000;
    for (String id : b.screenshotIds()) {
      expiries.add(new Expiry(at, id));
    }
  }

  private void onAnalysisComplete(Message<JsonObject> msg) {
    Object body = msg.body();
    String windowId = body instanceof JsonObject json && json.getValue("window_id") instanceof String s ? s : null;
    if (windowId == null || !Uuids.isCanonical(windowId)) {
      LOG.warn("ignoring analysis-complete without a window_id UUID");
      if (msg.replyAddress() != null) {
        msg.fail(400, "window_id must be a UUID");
      }
      return;
    }
    List<String> ids = byBatch.remove(Uuids.normalize(windowId));
    if (ids != null) {
      for (String id : ids) {
        delete(id, "analysis-complete");
      }
      flushDeletions();
    }
    if (msg.replyAddress() != null) {
      msg.reply(new JsonObject().put("window_id", windowId).put("deleted", ids == null ? 0 : ids.size()));
    }
  }

  /** Deletes at once the pixels of re-sent events that no other accepted event holds: no batch will carry them. */
  private void onDuplicates(Message<DuplicateScreenshots> msg) {
    for (String id : msg.body().screenshotIds()) {
      Integer left = claims.computeIfPresent(id, (k, n) -> n > 1 ? n - 1 : null);
      if (left == null && held.containsKey(id)) {
        delete(id, "duplicate");
      }
    }
    flushDeletions();
  }

  /** A deletion removed these screenshots' events: their pixels go now; answered once they are gone. */
  private void onForget(Message<ForgetScreenshots> msg) {
    List<Future<Void>> gone = new ArrayList<>();
    for (String id : msg.body().screenshotIds()) {
      gone.add(delete(id, "deletion"));
    }
    flushDeletions();
    Future.join(gone).onComplete(ar -> msg.reply(Boolean.TRUE, local));
  }

  private void tick() {
    long now = ctx.clock().millis();
    while (!expiries.isEmpty() && expiries.peek().atMs <= now) {
      Expiry e = expiries.poll();
      if (held.containsKey(e.screenshotId)) {
        delete(e.screenshotId, "retention");
      }
    }
    if (expiries.isEmpty()) {
      byBatch.clear();
    }
    for (var it = recentlyDeleted.values().iterator(); it.hasNext() && it.next().atMs() < now - 3_600_000L; ) {
      it.remove();
    }
    flushDeletions();
  }

  private Future<Void> delete(String id, String reason) {
    Held h = held.remove(id);
    if (h == null) {
      return Future.succeededFuture();
    }
    claims.remove(id);
    long now = ctx.clock().millis();
    recentlyDeleted.put(id, new Gone(h.ref().withStorage(ScreenshotStorage.DELETED), now));
    deletions.add(new ScreenshotDeletion(id, now, reason));
    ctx.metrics().screenshotDeleted(reason);
    Future<Void> removed;
    if (h.bytes() != null) {
      memoryBytes -= h.bytes().length;
      removed = Future.succeededFuture();
    } else {
      // After its write: a failed one removed what it created.
      removed = h.file().transform(write -> write.succeeded() ? vertx.<Void>executeBlocking(() -> {
          write.result().close();
          return null;
        }, false) : Future.<Void>succeededFuture())
        .onFailure(err -> LOG.error("could not delete screenshot file of {}: {}", id, err.getMessage()));
    }
    gauges();
    return removed;
  }

  private void flushDeletions() {
    if (deletions.isEmpty()) {
      return;
    }
    ScreenshotDeletions batch = new ScreenshotDeletions(deletions);
    deletions = new ArrayList<>();
    Future<?> done = vertx.eventBus().request(InternalAddresses.SCREENSHOT_DELETED, batch, local)
      .onFailure(err -> {
        if (ctx.shutdown().pastDeadline()) {
          // The stop's own error already says the database could not keep up; the sweep records these.
          LOG.info("{} screenshot deletions left for the next start-up sweep to record", batch.deletions().size());
        } else {
          LOG.error("{} screenshot deletions not recorded: {}", batch.deletions().size(), err.getMessage());
        }
      });
    recording.add(done);
    done.onComplete(ar -> recording.remove(done));
  }

  private void gauges() {
    long inMemory = 0;
    for (Held h : held.values()) {
      if (h.bytes() != null) {
        inMemory++;
      }
    }
    ctx.metrics().screenshotsInMemory().set(inMemory);
    ctx.metrics().screenshotsOnDisk().set(held.size() - inMemory);
    ctx.metrics().screenshotMemoryBytes().set(memoryBytes);
    ctx.metrics().queueDepth("screenshots").set(held.size());
  }

  // ---------------------------------------------------------------- fetching

  private void onFetch(Message<Object> msg) {
    String id = msg.body() instanceof JsonObject json && json.getValue("screenshot_id") instanceof String s ? s : null;
    if (id == null || !Uuids.isCanonical(id)) {
      msg.fail(400, "screenshot_id must be a UUID");
      return;
    }
    Held h = held.get(Uuids.normalize(id));
    if (h == null) {
      msg.fail(404, "screenshot " + id + " is not retained");
      return;
    }
    DeliveryOptions headers = new DeliveryOptions().addHeader("format", h.ref().format().wireName())
      .addHeader("size_bytes", Long.toString(h.ref().sizeBytes()));
    if (h.bytes() != null) {
      msg.reply(Buffer.buffer(h.bytes()), headers);
    } else {
      h.file().compose(f -> vertx.executeBlocking(f::read, false))
        .onSuccess(bytes -> msg.reply(Buffer.buffer(bytes), headers))
        .onFailure(err -> msg.fail(404, "screenshot " + id + " is not retained"));
    }
  }
}
