package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.BatchRecord;
import dev.skellyjelly.storage.impl.Messages.BatchRecords;
import dev.skellyjelly.storage.impl.Messages.CommitReceipt;
import dev.skellyjelly.storage.impl.Messages.CommittedGroup;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletions;
import dev.skellyjelly.storage.impl.Messages.WindowEvents;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WriteGroup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The only code that touches SQLite. Deployed as a worker: every handler here runs on its worker thread,
 * one at a time, and calls sqlite-jdbc directly on the one writer connection ({@link WriterConnection}).
 * Groups of accepted events, batch records and screenshot deletions are buffered and committed together
 * every {@code write_flush_interval_ms} (sooner when the buffer fills); after each commit the committed
 * events go to the batcher and each producer's request is answered. While a statement runs, what arrives
 * waits in the worker's queue; the receiver bounds how much that can be. Between commits it compacts emitted
 * windows ({@link Compactor}), runs retention ({@link Retention}), answers the batcher's reads ({@link WindowReader})
 * and deletions ({@link DeletionControl}).
 */
public final class DbWriterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DbWriterVerticle.class);

  /** How often the writer looks after retries, compaction and its database file when nothing arrives. */
  private static final long HOUSEKEEPING_MS = 1_000;
  /** How long a window whose compaction failed waits before the next try. */
  private static final long COMPACTION_RETRY_MS = 1_000;
  /** How long a stop goes on compacting emitted windows; what is left waits for the next start-up. */
  private static final long STOP_COMPACTION_MS = 1_000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final ModuleContext ctx;
  private Path databasePath;
  /** The open database, or null while it cannot be opened anew. */
  private DatabaseFile file;
  private Committer committer;
  private WindowRules rules;
  private final Compactor compactor = new Compactor();
  private final WriteBuffer buffer = new WriteBuffer();

  private Backoff backoff = Backoff.NONE;
  /**
   * When the database may be tried again after a failure, on {@link System#nanoTime()}: the wait is for the
   * disk or the file system, in real time, which the module's clock (a test's may stand still) does not measure.
   */
  private long retryAtNanos = System.nanoTime();
  private boolean unhealthy;
  /** Whether a turn of compaction is queued on this worker already. */
  private boolean compactionQueued;
  /** Once the module stops, every arrival is committed at once rather than at the next tick. */
  private boolean stopping;

  public DbWriterVerticle(ModuleContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() throws Exception {
    StorageConfig config = StorageConfig.fromJson(config());
    databasePath = Path.of(config.databasePath()).toAbsolutePath();
    committer = new Committer(config.batchWindowMs(), config.idleAfterMs());
    rules = new WindowRules(config.batchWindowMs(), config.windowGraceMs());
    file = DatabaseFile.open(databasePath, ctx.clock());
    try {
      WriterConnection db = file.connection();
      int swept = db.transaction(c -> c.update(Sql.SWEEP_UNDELETED, ctx.clock().millis()));
      ctx.metrics().screenshotsDeleted("startup-sweep", swept);
      if (swept > 0) {
        LOG.info("{} screenshots of an earlier run recorded as deleted by the start-up sweep", swept);
      }
      db.read(c -> {
        committer.load(c);
        ctx.pauses().load(c.query(Sql.RECENT_PAUSES,
          rs -> new Pauses.Pause(rs.getLong(1), rs.getObject(2) == null ? null : rs.getLong(2))));
        // Pieces a previous run left uncompacted; windows not yet emitted are compacted after their batch.
        compactor.load(c, rules, ctx.clock().millis());
        return null;
      });
    } catch (SQLException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    List<Future<?>> consumers = new ArrayList<>(new WriterRequests(ctx, this::connection, this::flush, committer, rules,
      compactor, this::compactLater).register(vertx.eventBus()));
    consumers.addAll(List.of(
      vertx.eventBus().<WriteGroup>localConsumer(InternalAddresses.WRITE, this::onWriteGroup).completion(),
      vertx.eventBus().<BatchRecords>localConsumer(InternalAddresses.BATCH_RECORDS, this::onBatchRecords).completion(),
      vertx.eventBus().<ScreenshotDeletions>localConsumer(InternalAddresses.SCREENSHOT_DELETED, this::onDeletions)
        .completion(),
      vertx.eventBus().<io.vertx.core.json.JsonObject>localConsumer(InternalAddresses.DELETE, new DeletionControl(
        vertx, ctx, config.batchWindowMs(), this::flush, this::connection, committer)::onDelete).completion()));
    return Future.all(consumers)
      .onSuccess(v -> {
        vertx.setPeriodic(Math.min(HOUSEKEEPING_MS, config.writeFlushIntervalMs()), id -> tick());
        Retention.schedule(vertx, RetentionPolicy.of(config), ctx, databasePath,
          () -> file != null && retryDue() && !stopping ? file.connection() : null, buffer::isEmpty);
        updateSize();
      })
      .onFailure(err -> closeQuietly());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    return ctx.shutdown().stop(vertx, ShutdownSequence.Stage.WRITER, () -> drain()
      .eventually(() -> {
        closeQuietly();
        return Future.succeededFuture();
      }));
  }

  // ---------------------------------------------------------------- arrivals

  private void onWriteGroup(Message<WriteGroup> msg) {
    buffer.add(msg);
    ctx.metrics().queueDepth("writer").set(buffer.events());
    // The receiver hands over once per flush interval: a group is committed as it arrives.
    if (retryDue()) {
      flush();
    }
  }

  private void onBatchRecords(Message<BatchRecords> msg) {
    buffer.addRecords(msg);
    if (stopping) {
      tick();
    }
  }

  private void onDeletions(Message<ScreenshotDeletions> msg) {
    buffer.addDeletions(msg);
    if (stopping) {
      tick();
    }
  }

  // ---------------------------------------------------------------- the loop

  private void tick() {
    if (!retryDue()) {
      return;
    }
    if (file == null || file.replaced()) {
      reopen();
    } else if (!buffer.isEmpty()) {
      flush();
    } else {
      compactLater();
    }
  }

  /** Commits what is buffered now; whether that commit succeeded (a failed one is kept and retried). */
  private boolean flush() {
    if (buffer.isEmpty() || file == null) {
      return buffer.isEmpty();
    }
    WriteBuffer.Taken taken = buffer.take();
    long started = System.nanoTime();
    try {
      BitSet duplicates = committer.commit(file.connection(), taken.entries(), taken.batchRecords(),
        taken.screenshotDeletions(), ctx.clock().millis());
      ctx.metrics().dbWrite().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      afterCommit(taken, duplicates);
      if (unhealthy) {
        LOG.info("database writable again; committed {} buffered events", taken.events());
      }
      unhealthy = false;
      ctx.metrics().databaseError(null);
      backoff = Backoff.NONE;
      compactLater();
      return true;
    } catch (SQLException | RuntimeException err) {
      // Keep everything, ahead of what arrived since, and try again later.
      buffer.putBack(taken);
      retryAfterFailure();
      if (!unhealthy) {
        LOG.error("commit of {} events failed, keeping them and retrying with backoff: {}", taken.events(),
          err.toString());
      }
      unhealthy = true;
      ctx.metrics().databaseError(String.valueOf(err.getMessage()));
      return false;
    } finally {
      ctx.metrics().queueDepth("writer").set(buffer.events());
      updateSize();
    }
  }

  /**
   * Publishes the committed events to the batcher, then answers each producer (with the duplicates of its
   * group), the batcher's records and the screenshot store's deletions; emitted windows wait for compaction.
   */
  private void afterCommit(WriteBuffer.Taken taken, BitSet duplicates) {
    List<Accepted> committed = new ArrayList<>();
    int index = 0;
    // Persist latency is elapsed real time, like every duration the metrics time.
    long now = System.nanoTime();
    for (Message<WriteGroup> m : taken.groups()) {
      List<Accepted> entries = m.body().entries();
      for (int i = 0; i < entries.size(); i++) {
        if (!duplicates.get(index + i)) {
          Accepted a = entries.get(i);
          committed.add(a);
          ctx.metrics().persistLatency().record(now - a.receivedNanos(), TimeUnit.NANOSECONDS);
        }
      }
      index += entries.size();
    }
    ctx.metrics().persisted(committed.size());
    ctx.metrics().duplicates(duplicates.cardinality());
    // The batcher hears of the commit before any producer does: a graceful stop that waits for the
    // producers' receipts finds every committed event already queued to the batcher.
    if (!committed.isEmpty()) {
      vertx.eventBus().publish(InternalAddresses.COMMITTED, new CommittedGroup(committed, committer.lastSeq()), LOCAL);
    }
    index = 0;
    for (Message<WriteGroup> m : taken.groups()) {
      int size = m.body().entries().size();
      m.reply(new CommitReceipt(duplicates.get(index, index + size)), LOCAL);
      index += size;
    }
    for (Message<BatchRecords> m : taken.records()) {
      for (BatchRecord b : m.body().records()) {
        compactor.emitted(new WindowKey(b.sessionId(), b.windowStartMs()));
      }
      m.reply(Boolean.TRUE, LOCAL);
    }
    for (Message<ScreenshotDeletions> m : taken.deletions()) {
      m.reply(Boolean.TRUE, LOCAL);
    }
  }

  /**
   * Commits until nothing is buffered, retrying failures with backoff (the module's stop timeout bounds it),
   * then compacts what was emitted for up to {@link #STOP_COMPACTION_MS}; what is left (or failed) the next run
   * compacts.
   */
  private Future<Void> drain() {
    if (!buffer.isEmpty() && !(file == null ? reopen() && flush() : flush())) {
      Promise<Void> later = Promise.promise();
      vertx.setTimer(Math.max(1, backoff.delayMs()), id -> drain().onComplete(later));
      return later.future();
    }
    if (!buffer.isEmpty()) {
      return drain();
    }
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_COMPACTION_MS);
    while (compactor.hasWaiting() && file != null && System.nanoTime() - until < 0 && compactNext()) {
      // One window at a time until none waits, or the time is up: the next start compacts the rest.
    }
    return Future.succeededFuture();
  }

  /**
   * Compacts the next emitted window as a task of its own on this worker, so that groups arriving meanwhile
   * are committed between windows, and goes on while windows wait.
   */
  private void compactLater() {
    if (!compactor.hasDue() || compactionQueued || stopping) {
      return;
    }
    compactionQueued = true;
    vertx.runOnContext(v -> {
      compactionQueued = false;
      if (file != null && buffer.isEmpty() && retryDue() && compactNext()) {
        compactLater();
      }
    });
  }

  /** Compacts one window; a failure holds the writer's housekeeping back for a while. */
  private boolean compactNext() {
    if (compactor.compactNext(file.connection())) {
      return true;
    }
    retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMPACTION_RETRY_MS);
    return false;
  }

  // ---------------------------------------------------------------- the database file

  /**
   * Opens a new database where the old one vanished. What was committed to the vanished file went with it;
   * what is buffered here is committed to the new one. Retried with backoff while the path cannot hold a
   * database. Whether it is open now.
   */
  private boolean reopen() {
    String why = "database file " + databasePath + " was deleted or replaced underneath the module";
    if (!unhealthy) {
      LOG.error("{}; opening a new one and keeping the {} buffered events for it", why, buffer.events());
    }
    unhealthy = true;
    ctx.metrics().databaseError(why);
    closeQuietly();
    try {
      file = DatabaseFile.openAnew(databasePath, ctx.clock());
    } catch (IOException | SQLException | RuntimeException err) {
      retryAfterFailure();
      ctx.metrics().databaseError(why + "; cannot open a new one: " + err.getMessage());
      return false;
    }
    LOG.info("database {} opened anew", databasePath);
    unhealthy = false;
    backoff = Backoff.NONE;
    ctx.metrics().databaseError(null);
    return true;
  }

  private void retryAfterFailure() {
    backoff = backoff.next();
    retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff.delayMs());
  }

  private boolean retryDue() {
    return System.nanoTime() - retryAtNanos >= 0;
  }

  /** The open connection, or a failure a reader reports when the database could not be opened anew. */
  private WriterConnection connection() throws SQLException {
    if (file == null) {
      throw new SQLException("database " + databasePath + " is not open");
    }
    return file.connection();
  }

  private void updateSize() {
    if (file != null) {
      ctx.metrics().dbSizeBytes().set(file.sizeBytes());
    }
  }

  private void closeQuietly() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        LOG.warn("could not release the database lock: {}", e.getMessage());
      }
      file = null;
    }
  }
}
