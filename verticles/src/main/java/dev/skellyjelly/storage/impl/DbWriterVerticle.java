package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.BatchRecord;
import dev.skellyjelly.storage.impl.Messages.BatchRecords;
import dev.skellyjelly.storage.impl.Messages.CommitReceipt;
import dev.skellyjelly.storage.impl.Messages.CommittedGroup;
import dev.skellyjelly.storage.impl.Messages.Firing;
import dev.skellyjelly.storage.impl.Messages.ReplayPlan;
import dev.skellyjelly.storage.impl.Messages.ReplayRequest;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletion;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletions;
import dev.skellyjelly.storage.impl.Messages.ScreenshotRow;
import dev.skellyjelly.storage.impl.Messages.WindowEvents;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WindowQuery;
import dev.skellyjelly.storage.impl.Messages.WriteGroup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The only code that touches SQLite. Deployed as a worker: every handler here runs on its worker thread,
 * one at a time, and the Vert.x JDBC client holds a single writer connection. Groups of accepted events,
 * batch records and screenshot deletions are buffered and committed together every
 * {@code write_flush_interval_ms} (sooner when the buffer fills); after each commit the committed events go
 * to the batcher and each producer's request is answered.
 */
public final class DbWriterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DbWriterVerticle.class);

  /** Migrations, in order; migration i (1-based) brings the schema to level i. */
  static final List<String> MIGRATIONS = List.of("001-events.sql", "002-block-ranges.sql");

  /** Commit at once when this many events wait, even while they arrive faster than commits finish. */
  static final int FLUSH_EVENTS = 20_000;
  /** How often the writer looks after retries, compaction and its database file when nothing arrives. */
  private static final long HOUSEKEEPING_MS = 1_000;
  private static final int ID_QUERY_CHUNK = 500;
  /** Blocks fetched in one query while a page of a window is read. */
  private static final int PAGE_FETCH = 16;
  /** Events of one type in one compacted block, at most. */
  static final int BLOCK_EVENTS = 32_768;
  private static final long MAX_BACKOFF_MS = 5_000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final ModuleContext ctx;
  private StorageConfig config;
  private Path databasePath;
  private DatabaseLock lock;
  private Pool pool;
  private Object fileKey;

  private List<Message<WriteGroup>> groups = new ArrayList<>();
  private List<Message<BatchRecords>> records = new ArrayList<>();
  private List<Message<ScreenshotDeletions>> deletions = new ArrayList<>();
  private int bufferedEvents;
  private Future<Void> inFlight;
  private long retryAtMs;
  private long backoffMs;
  private boolean unhealthy;
  /** Once the module stops, every arrival is committed at once rather than at the next tick. */
  private boolean stopping;
  /** Emitted windows whose rows wait to be compacted into blocks. */
  private final Set<WindowKey> toCompact = new LinkedHashSet<>();
  /** Commit order: the sequence number of the last event committed. */
  private long nextSeq;
  /** The hour each recent_ids table holds. */
  private final long[] recentHours = {-1, -1};

  public DbWriterVerticle(ModuleContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() throws Exception {
    config = StorageConfig.fromJson(config());
    databasePath = Path.of(config.databasePath()).toAbsolutePath();
    prepareFiles();
    pool = openPool();
    return migrate()
      .compose(v -> transaction(conn -> conn.preparedQuery(Sql.SWEEP_UNDELETED).execute(Tuple.of(ctx.clock().millis()))))
      .compose(swept -> {
        for (int i = 0; i < swept.rowCount(); i++) {
          ctx.metrics().screenshotDeleted("startup-sweep");
        }
        if (swept.rowCount() > 0) {
          LOG.info("{} screenshots of an earlier run recorded as deleted by the start-up sweep", swept.rowCount());
        }
        return Future.succeededFuture();
      })
      .compose(v -> pool.query(Sql.RECENT_HOURS).execute())
      .compose(rows -> {
        for (Row row : rows) {
          recentHours[row.getInteger(0)] = row.getLong(1);
        }
        return pool.query(Sql.MAX_SEQ).execute();
      })
      .compose(rows -> {
        nextSeq = rows.iterator().next().getLong(0);
        return pool.query(Sql.UNCOMPACTED_WINDOWS).execute();
      })
      .compose(rows -> {
        // Pieces a previous run left uncompacted; windows not yet emitted are compacted after their batch.
        long now = ctx.clock().millis();
        for (Row row : rows) {
          long start = row.getLong(1);
          if (start + config.batchWindowMs() + config.windowGraceMs() <= now) {
            toCompact.add(new WindowKey(Uuids.fromBytes(bytes(row.getValue(0))), start));
          }
        }
        return Future.succeededFuture();
      })
      .compose(v -> Future.all(
        vertx.eventBus().<WriteGroup>localConsumer(InternalAddresses.WRITE, this::onWriteGroup).completion(),
        vertx.eventBus().<BatchRecords>localConsumer(InternalAddresses.BATCH_RECORDS, this::onBatchRecords).completion(),
        vertx.eventBus().<ScreenshotDeletions>localConsumer(InternalAddresses.SCREENSHOT_DELETED, this::onDeletions).completion(),
        vertx.eventBus().<ReplayRequest>localConsumer(InternalAddresses.REPLAY, this::onReplay).completion(),
        vertx.eventBus().<WindowQuery>localConsumer(InternalAddresses.WINDOW_EVENTS, this::onWindowQuery).completion()))
      .onSuccess(v -> {
        vertx.setPeriodic(Math.min(HOUSEKEEPING_MS, config.writeFlushIntervalMs()), id -> tick());
        updateSize();
      })
      .onFailure(err -> closeQuietly());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    return ctx.shutdown().stop(vertx, ShutdownSequence.Stage.WRITER, () -> drain()
      .eventually(() -> pool.close())
      .eventually(() -> {
        closeQuietly();
        return Future.succeededFuture();
      }));
  }

  // ---------------------------------------------------------------- files and schema

  private void prepareFiles() throws IOException {
    Path dir = databasePath.getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    if (Files.isDirectory(databasePath)) {
      throw new IOException("database path " + databasePath + " is a directory");
    }
    lock = DatabaseLock.acquire(databasePath);
    var owner = PosixFilePermissions.fromString("rw-------");
    if (!Files.exists(databasePath)) {
      Files.createFile(databasePath, PosixFilePermissions.asFileAttribute(owner));
    }
    Files.setPosixFilePermissions(databasePath, owner);
    for (String suffix : new String[]{"-wal", "-shm"}) {
      Path side = databasePath.resolveSibling(databasePath.getFileName() + suffix);
      if (Files.exists(side)) {
        Files.setPosixFilePermissions(side, owner);
      }
    }
  }

  private Pool openPool() throws IOException {
    fileKey = Files.readAttributes(databasePath, BasicFileAttributes.class).fileKey();
    return newPool();
  }

  private Pool newPool() {
    String url = "jdbc:sqlite:" + databasePath + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=5000";
    return JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url), new PoolOptions().setMaxSize(1));
  }

  /**
   * A transaction on the writer's connection; one that fails costs the connection. When SQLite rolls a
   * transaction back by itself (disk full, I/O error), sqlite-jdbc's own rollback fails ("no transaction is
   * active") before it begins its next transaction, and the connection is left committing every statement on
   * its own while each COMMIT fails: every retry would store the whole buffer again. A new connection starts
   * in a known state.
   */
  private <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    Pool used = pool;
    return used.withTransaction(work::apply).recover(err -> {
      if (pool != used) {
        return Future.failedFuture(err);
      }
      pool = newPool();
      return used.close().transform(ignored -> Future.<T>failedFuture(err));
    });
  }

  /**
   * Whether the database file is still the one this writer opened. SQLite keeps writing into a file that was
   * deleted or replaced underneath it, and everything committed there would be lost without an error.
   */
  private boolean fileReplaced() {
    try {
      return !fileKey.equals(Files.readAttributes(databasePath, BasicFileAttributes.class).fileKey());
    } catch (IOException | RuntimeException gone) {
      return true;
    }
  }

  /**
   * Opens a new database where the old one vanished (blocking file work, on this worker). What was committed
   * to the vanished file went with it; what is buffered here is committed to the new one. Retried with
   * backoff while the path cannot hold a database.
   */
  private Future<Void> reopen() {
    String why = "database file " + databasePath + " was deleted or replaced underneath the module";
    if (!unhealthy) {
      LOG.error("{}; opening a new one and keeping the {} buffered events for it", why, bufferedEvents);
    }
    unhealthy = true;
    ctx.metrics().databaseError(why);
    Pool old = pool;
    return track(() -> old.close()
      .transform(ignored -> {
        try {
          closeQuietly();
          if (!Files.exists(databasePath)) {
            // A journal left by the vanished database must not be replayed into the new one.
            for (String suffix : new String[]{"-wal", "-shm"}) {
              Files.deleteIfExists(databasePath.resolveSibling(databasePath.getFileName() + suffix));
            }
          }
          prepareFiles();
          pool = openPool();
        } catch (IOException | RuntimeException e) {
          return Future.failedFuture(e);
        }
        return migrate();
      })
      .map(v -> {
        LOG.info("database {} opened anew", databasePath);
        unhealthy = false;
        backoffMs = 0;
        ctx.metrics().databaseError(null);
        return (Void) null;
      })
      .recover(err -> {
        backoffMs = backoffMs == 0 ? 100 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        retryAtMs = System.currentTimeMillis() + backoffMs;
        ctx.metrics().databaseError(why + "; cannot open a new one: " + err.getMessage());
        return Future.failedFuture(err);
      }));
  }

  private void closeQuietly() {
    if (lock != null) {
      try {
        lock.close();
      } catch (IOException e) {
        LOG.warn("could not release the database lock: {}", e.getMessage());
      }
      lock = null;
    }
  }

  private Future<Void> migrate() {
    return transaction(conn -> conn.query(Sql.CREATE_SCHEMA_VERSION).execute()
      .compose(v -> conn.query(Sql.SCHEMA_LEVEL).execute())
      .compose(rows -> {
        int level = rows.iterator().next().getInteger(0);
        if (level > MIGRATIONS.size()) {
          return Future.failedFuture(new IllegalStateException("database " + databasePath + " has schema level "
            + level + ", newer than this module's " + MIGRATIONS.size()));
        }
        Future<Void> chain = Future.succeededFuture();
        for (int i = level; i < MIGRATIONS.size(); i++) {
          int target = i + 1;
          String file = MIGRATIONS.get(i);
          chain = chain.compose(v -> applyMigration(conn, file, target));
        }
        return chain;
      }));
  }

  private Future<Void> applyMigration(SqlConnection conn, String file, int level) {
    List<String> statements;
    try (InputStream in = DbWriterVerticle.class.getResourceAsStream("/dev/skellyjelly/storage/db/" + file)) {
      statements = splitStatements(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | NullPointerException e) {
      return Future.failedFuture(new IllegalStateException("migration " + file + " is missing", e));
    }
    LOG.info("migrating {} to schema level {}", databasePath, level);
    return sequence(statements, sql -> conn.query(sql).execute().mapEmpty())
      .compose(v -> conn.preparedQuery(Sql.RECORD_MIGRATION).execute(Tuple.of(level, ctx.clock().millis())))
      .mapEmpty();
  }

  static List<String> splitStatements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      if (line.trim().equals(";")) {
        add(out, current);
        current.setLength(0);
      } else if (!line.trim().startsWith("--")) {
        current.append(line).append('\n');
      }
    }
    add(out, current);
    return out;
  }

  private static void add(List<String> out, StringBuilder sql) {
    String s = sql.toString().trim();
    if (!s.isEmpty()) {
      out.add(s);
    }
  }

  // ---------------------------------------------------------------- buffering

  private void onWriteGroup(Message<WriteGroup> msg) {
    groups.add(msg);
    bufferedEvents += msg.body().entries().size();
    ctx.metrics().queueDepth("writer").set(bufferedEvents);
    // The receiver hands over once per flush interval: a group is committed as it arrives.
    if (inFlight == null && System.currentTimeMillis() >= retryAtMs) {
      flush();
    }
  }

  private void onBatchRecords(Message<BatchRecords> msg) {
    records.add(msg);
    if (stopping) {
      tick();
    }
  }

  private void onDeletions(Message<ScreenshotDeletions> msg) {
    deletions.add(msg);
    if (stopping) {
      tick();
    }
  }

  private void tick() {
    if (inFlight == null && System.currentTimeMillis() >= retryAtMs && fileReplaced()) {
      reopen();
    } else if (inFlight == null && hasWork() && System.currentTimeMillis() >= retryAtMs) {
      flush();
    } else if (inFlight == null && !toCompact.isEmpty() && System.currentTimeMillis() >= retryAtMs) {
      compactNext();
    }
  }

  /** After each commit or compaction: commit again if the buffer filled meanwhile, else keep compacting. */
  private void next() {
    if (inFlight != null || System.currentTimeMillis() < retryAtMs) {
      return;
    }
    if (!groups.isEmpty() || bufferedEvents >= FLUSH_EVENTS || (stopping && hasWork())) {
      flush();
    } else if (!toCompact.isEmpty() && !stopping) {
      compactNext();
    }
  }

  private boolean hasWork() {
    return !groups.isEmpty() || !records.isEmpty() || !deletions.isEmpty();
  }

  /** Commits what is buffered now; the future completes when that commit did (or failed). */
  private Future<Void> flush() {
    if (inFlight != null) {
      return inFlight;
    }
    if (!hasWork()) {
      return Future.succeededFuture();
    }
    List<Message<WriteGroup>> g = groups;
    List<Message<BatchRecords>> r = records;
    List<Message<ScreenshotDeletions>> d = deletions;
    int n = bufferedEvents;
    groups = new ArrayList<>();
    records = new ArrayList<>();
    deletions = new ArrayList<>();
    bufferedEvents = 0;
    long started = System.nanoTime();
    return track(() -> commit(g, r, d)
      .map(dups -> {
        long elapsed = System.nanoTime() - started;
        ctx.metrics().dbWrite().record(elapsed, java.util.concurrent.TimeUnit.NANOSECONDS);
        afterCommit(g, r, d, dups);
        if (unhealthy) {
          LOG.info("database writable again; committed {} buffered events", n);
        }
        unhealthy = false;
        ctx.metrics().databaseError(null);
        backoffMs = 0;
        return (Void) null;
      })
      .recover(err -> {
        // Keep everything, ahead of what arrived since, and try again later.
        g.addAll(groups);
        groups = g;
        r.addAll(records);
        records = r;
        d.addAll(deletions);
        deletions = d;
        bufferedEvents += n;
        backoffMs = backoffMs == 0 ? 100 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        retryAtMs = System.currentTimeMillis() + backoffMs;
        if (!unhealthy) {
          LOG.error("commit of {} events failed, keeping them and retrying with backoff: {}", n, err.toString());
        }
        unhealthy = true;
        ctx.metrics().databaseError(String.valueOf(err.getMessage()));
        return Future.failedFuture(err);
      })
      .onComplete(ar -> {
        ctx.metrics().queueDepth("writer").set(bufferedEvents);
        updateSize();
      }));
  }

  /** Commits until nothing is buffered, retrying failures with backoff (the module's stop timeout bounds it). */
  private Future<Void> drain() {
    if (inFlight != null) {
      return inFlight.transform(ar -> drain());
    }
    if (!hasWork()) {
      if (!toCompact.isEmpty()) {
        // A failed compaction leaves the rows for the next run rather than delay the stop.
        return compactNext().transform(ar -> ar.succeeded() ? drain() : Future.succeededFuture());
      }
      return Future.succeededFuture();
    }
    return flush().transform(ar -> {
      if (ar.succeeded()) {
        return drain();
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(Math.max(1, backoffMs), id -> drain().onComplete(later));
      return later.future();
    });
  }

  // ---------------------------------------------------------------- the commit

  private Future<BitSet> commit(List<Message<WriteGroup>> g, List<Message<BatchRecords>> r,
                                List<Message<ScreenshotDeletions>> d) {
    List<Accepted> all = new ArrayList<>();
    for (Message<WriteGroup> m : g) {
      all.addAll(m.body().entries());
    }
    long hour = ctx.clock().millis() / 3_600_000L;
    int slot = (int) (hour % 2);
    boolean rotate = recentHours[slot] != hour;
    return transaction(conn -> rotateRecent(conn, rotate, slot, hour)
      .compose(v -> existingIds(conn, all))
      .compose(existing -> {
        BitSet dups = new BitSet(all.size());
        Set<String> seen = new HashSet<>();
        Map<WindowKey, List<List<EventBlocks.Entry>>> pieces = new HashMap<>();
        Map<WindowKey, long[]> counts = new HashMap<>();
        long seq = nextSeq;
        List<Tuple> shots = new ArrayList<>();
        List<Tuple> recent = new ArrayList<>();
        long windowMs = config.batchWindowMs();
        for (int i = 0; i < all.size(); i++) {
          Accepted a = all.get(i);
          RawEvent e = a.event();
          if (a.producerId()) {
            if (existing.contains(e.id()) || !seen.add(e.id())) {
              dups.set(i);
              continue;
            }
            recent.add(Tuple.of(Uuids.toBytes(e.id())));
          }
          long start = EventRows.windowStart(e.timestampMs(), windowMs);
          pieces.computeIfAbsent(new WindowKey(e.sessionId(), start), k -> byType())
            .get(e.eventType().code()).add(new EventBlocks.Entry(++seq, e));
          counts.computeIfAbsent(new WindowKey(e.sessionId(), start), k -> new long[EventType.values().length])
            [e.eventType().code()]++;
          if (a.screenshot() != null) {
            shots.add(screenshotRow(e, a.screenshot(), start));
          }
        }
        long lastSeq = seq;
        List<Tuple> blocks = new ArrayList<>();
        pieces.forEach((key, types) -> blocks.addAll(blockRows(key, types)));
        List<Tuple> countRows = new ArrayList<>();
        counts.forEach((key, byType) -> {
          for (int t = 0; t < byType.length; t++) {
            if (byType[t] > 0) {
              countRows.add(Tuple.of(key.sessionId(), key.windowStartMs(), t, byType[t]));
            }
          }
        });
        List<Tuple> batchRows = new ArrayList<>();
        for (Message<BatchRecords> m : r) {
          for (BatchRecord b : m.body().records()) {
            batchRows.add(Tuple.from(List.of(b.windowId(), b.sessionId(), b.windowStartMs(), b.windowEndMs(), b.part(),
              b.parts(), b.firing(), b.eventCount(), b.screenshotCount(), b.late() ? 1 : 0, b.replayed() ? 1 : 0,
              b.emittedAtMs())));
          }
        }
        List<Tuple> deletedRows = new ArrayList<>();
        for (Message<ScreenshotDeletions> m : d) {
          for (ScreenshotDeletion del : m.body().deletions()) {
            deletedRows.add(Tuple.of(del.deletedAtMs(), del.reason(), del.screenshotId()));
          }
        }
        return batch(conn, Sql.INSERT_BLOCK, blocks)
          .compose(v -> batch(conn, Sql.INSERT_RECENT[slot], recent))
          .compose(v -> batch(conn, Sql.ADD_COUNT, countRows))
          .compose(v -> batch(conn, Sql.INSERT_SCREENSHOT, shots))
          .compose(v -> batch(conn, Sql.INSERT_BATCH, batchRows))
          .compose(v -> batch(conn, Sql.MARK_DELETED, deletedRows))
          .map(v -> {
            nextSeq = lastSeq;
            return dups;
          });
      }))
      .onSuccess(v -> recentHours[slot] = hour);
  }

  private static List<List<EventBlocks.Entry>> byType() {
    List<List<EventBlocks.Entry>> types = new ArrayList<>(EventType.values().length);
    for (int t = 0; t < EventType.values().length; t++) {
      types.add(new ArrayList<>());
    }
    return types;
  }

  /** One event_blocks row per event type present: the time-series form of what a commit or a compaction writes. */
  private static List<Tuple> blockRows(WindowKey key, List<List<EventBlocks.Entry>> types) {
    byte[] session = Uuids.toBytes(key.sessionId());
    List<Tuple> rows = new ArrayList<>();
    for (int t = 0; t < types.size(); t++) {
      List<EventBlocks.Entry> entries = types.get(t);
      if (!entries.isEmpty()) {
        rows.add(blockRow(session, key.windowStartMs(), t, entries));
      }
    }
    return rows;
  }

  private static Tuple blockRow(byte[] session, long windowStart, int type, List<EventBlocks.Entry> entries) {
    return Tuple.from(List.of(session, windowStart, type, entries.size(), entries.get(0).seq(),
      entries.get(entries.size() - 1).seq(), EventBlocks.encode(entries)));
  }

  /** Empties the recent-ids table whose hour slot came round again (its ids are two hours old). */
  private static Future<Void> rotateRecent(SqlConnection conn, boolean rotate, int slot, long hour) {
    if (!rotate) {
      return Future.succeededFuture();
    }
    return conn.query(Sql.CLEAR_RECENT[slot]).execute()
      .compose(v -> conn.preparedQuery(Sql.SET_RECENT_HOUR).execute(Tuple.of(hour, slot)))
      .mapEmpty();
  }

  private static Tuple screenshotRow(RawEvent e, ScreenshotRow row, long windowStart) {
    Screenshot s = (Screenshot) e.data();
    return Tuple.from(java.util.Arrays.asList(s.screenshotId(), e.sessionId(), e.id(), e.timestampMs(), windowStart,
      s.format().wireName(), row.sizeBytes(), row.width(), row.height(), row.storage(), s.appName(), s.windowTitle(),
      s.screenRegion().x(), s.screenRegion().y(), s.screenRegion().width(), s.screenRegion().height(),
      s.privacyMasked() ? 1 : 0));
  }

  private static Future<Void> batch(SqlConnection conn, String sql, List<Tuple> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(sql).executeBatch(rows).mapEmpty();
  }

  /** Which of the producer-chosen ids among {@code entries} the database already holds. */
  private static Future<Set<String>> existingIds(SqlConnection conn, List<Accepted> entries) {
    List<byte[]> ids = new ArrayList<>();
    for (Accepted a : entries) {
      if (a.producerId()) {
        ids.add(Uuids.toBytes(a.event().id()));
      }
    }
    Set<String> found = new HashSet<>();
    if (ids.isEmpty()) {
      return Future.succeededFuture(found);
    }
    List<List<byte[]>> chunks = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += ID_QUERY_CHUNK) {
      chunks.add(ids.subList(i, Math.min(ids.size(), i + ID_QUERY_CHUNK)));
    }
    return sequence(chunks, chunk -> {
      StringBuilder marks = new StringBuilder();
      for (int i = 0; i < chunk.size(); i++) {
        marks.append(i == 0 ? "?" : ",?");
      }
      String sql = "SELECT id FROM recent_ids_0 WHERE id IN (" + marks + ") UNION ALL SELECT id FROM recent_ids_1 WHERE id IN ("
        + marks + ")";
      List<Object> params = new ArrayList<>(chunk);
      params.addAll(chunk);
      return conn.preparedQuery(sql).execute(Tuple.from(params))
        .map(rows -> {
          for (Row row : rows) {
            found.add(Uuids.fromBytes(bytes(row.getValue(0))));
          }
          return (Void) null;
        });
    }).map(found);
  }

  static byte[] bytes(Object value) {
    if (value instanceof byte[] b) {
      return b;
    }
    if (value instanceof Buffer b) {
      return b.getBytes();
    }
    throw new IllegalStateException("expected a BLOB, got " + (value == null ? "null" : value.getClass().getSimpleName()));
  }

  private void afterCommit(List<Message<WriteGroup>> g, List<Message<BatchRecords>> r,
                           List<Message<ScreenshotDeletions>> d, BitSet dups) {
    List<Accepted> committed = new ArrayList<>();
    int index = 0;
    long now = System.nanoTime();
    for (Message<WriteGroup> m : g) {
      List<Accepted> entries = m.body().entries();
      BitSet mine = dups.get(index, index + entries.size());
      for (int i = 0; i < entries.size(); i++) {
        if (!mine.get(i)) {
          Accepted a = entries.get(i);
          committed.add(a);
          ctx.metrics().persistLatency().record(now - a.receivedNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
      }
      index += entries.size();
    }
    ctx.metrics().persisted(committed.size());
    ctx.metrics().duplicates(dups.cardinality());
    // The batcher hears of the commit before any producer does: a graceful stop that waits for the
    // producers' receipts finds every committed event already queued to the batcher.
    if (!committed.isEmpty()) {
      vertx.eventBus().publish(InternalAddresses.COMMITTED, new CommittedGroup(committed, nextSeq), LOCAL);
    }
    index = 0;
    for (Message<WriteGroup> m : g) {
      int size = m.body().entries().size();
      m.reply(new CommitReceipt(dups.get(index, index + size)), LOCAL);
      index += size;
    }
    for (Message<BatchRecords> m : r) {
      for (BatchRecord b : m.body().records()) {
        toCompact.add(new WindowKey(b.sessionId(), b.windowStartMs()));
      }
      m.reply(Boolean.TRUE, LOCAL);
    }
    for (Message<ScreenshotDeletions> m : d) {
      m.reply(Boolean.TRUE, LOCAL);
    }
  }

  private void updateSize() {
    long size = 0;
    for (String suffix : new String[]{"", "-wal"}) {
      try {
        size += Files.size(databasePath.resolveSibling(databasePath.getFileName() + suffix));
      } catch (IOException missing) {
        // No WAL yet.
      }
    }
    ctx.metrics().dbSizeBytes().set(size);
  }

  // ---------------------------------------------------------------- start-up replay

  private void onReplay(Message<ReplayRequest> msg) {
    ReplayRequest req = msg.body();
    flush().transform(ignored -> pool.withConnection(conn -> conn.query(Sql.UNCOVERED_WINDOWS).execute()
      .compose(rows -> {
        List<WindowKey> due = new ArrayList<>();
        List<WindowKey> open = new ArrayList<>();
        Map<WindowKey, Long> counts = new HashMap<>();
        for (Row row : rows) {
          WindowKey key = new WindowKey(row.getString(0), row.getLong(1));
          (key.windowStartMs() + req.windowMs() + req.graceMs() <= req.nowMs() ? due : open).add(key);
          counts.put(key, row.getLong(2));
        }
        return conn.preparedQuery(Sql.LAST_FIRINGS).execute(Tuple.of(req.nowMs() - 6 * 3_600_000L))
          .map(firingRows -> {
            List<Firing> firings = new ArrayList<>();
            for (Row row : firingRows) {
              firings.add(new Firing(row.getString(0), row.getLong(1), row.getLong(2)));
            }
            return new ReplayPlan(due, open, firings, counts, nextSeq);
          });
      })))
      .onSuccess(plan -> msg.reply(plan, LOCAL))
      .onFailure(err -> msg.fail(500, "replay query failed: " + err.getMessage()));
  }

  private void onWindowQuery(Message<WindowQuery> msg) {
    WindowQuery q = msg.body();
    pool.withConnection(conn -> readPage(conn, q)
      .compose(events -> conn.preparedQuery(Sql.WINDOW_SCREENSHOTS).execute(Tuple.of(q.sessionId(), q.windowStartMs()))
        .map(shots -> {
          List<ScreenshotRef> refs = new ArrayList<>();
          for (Row row : shots) {
            if (!"none".equals(row.getString(6))) {
              // Whatever a previous run held is gone now: memory with the process, files with the start-up sweep.
              refs.add(new ScreenshotRef(row.getString(0), row.getLong(1), ImageFormat.fromWireName(row.getString(2)),
                row.getLong(3), row.getInteger(4), row.getInteger(5), ScreenshotStorage.DELETED));
            }
          }
          List<RawEvent> plain = new ArrayList<>(events.size());
          for (EventBlocks.Entry e : events) {
            plain.add(e.event());
          }
          long last = events.isEmpty() ? q.afterSeq() : events.get(events.size() - 1).seq();
          return new WindowEvents(q.sessionId(), q.windowStartMs(), plain, refs, last);
        })))
      .onSuccess(w -> msg.reply(w, LOCAL))
      .onFailure(err -> msg.fail(500, "window query failed: " + err.getMessage()));
  }

  /**
   * The first {@code limit} committed events of a window after {@code afterSeq} (up to {@code uptoSeq}), in
   * commit order. Blocks are read one at a time in the order their events begin, and no longer once the next
   * one begins after the last event the page needs: a page costs the blocks it overlaps, whatever the window's size.
   */
  private static Future<List<EventBlocks.Entry>> readPage(SqlConnection conn, WindowQuery q) {
    return conn.preparedQuery(Sql.PAGE_BLOCKS)
      .execute(Tuple.of(Uuids.toBytes(q.sessionId()), q.windowStartMs(), q.afterSeq(), q.uptoSeq()))
      .compose(rows -> {
        List<long[]> blocks = new ArrayList<>();
        for (Row row : rows) {
          blocks.add(new long[]{row.getLong(0), row.getLong(1), row.getInteger(2)});
        }
        List<EventBlocks.Entry> page = new ArrayList<>();
        return readBlocks(conn, q, blocks, 0, page).map(v -> page);
      });
  }

  private static Future<Void> readBlocks(SqlConnection conn, WindowQuery q, List<long[]> blocks, int next,
                                         List<EventBlocks.Entry> page) {
    if (page.size() >= q.limit()) {
      page.sort(java.util.Comparator.comparingLong(EventBlocks.Entry::seq));
      page.subList(q.limit(), page.size()).clear();
      if (next >= blocks.size() || blocks.get(next)[1] > page.get(page.size() - 1).seq()) {
        return Future.succeededFuture();
      }
    } else if (next >= blocks.size()) {
      page.sort(java.util.Comparator.comparingLong(EventBlocks.Entry::seq));
      return Future.succeededFuture();
    }
    // The next few blocks in one query: a page usually needs a few dozen (one per type and commit).
    int end = Math.min(blocks.size(), next + PAGE_FETCH);
    StringBuilder marks = new StringBuilder();
    List<Object> ids = new ArrayList<>(end - next);
    Map<Long, Integer> types = new HashMap<>();
    for (int i = next; i < end; i++) {
      marks.append(i == next ? "?" : ",?");
      ids.add(blocks.get(i)[0]);
      types.put(blocks.get(i)[0], (int) blocks.get(i)[2]);
    }
    return conn.preparedQuery(Sql.BLOCKS_DATA + "(" + marks + ")").execute(Tuple.from(ids)).compose(rows -> {
      for (Row row : rows) {
        EventType type = EventType.fromCode(types.get(row.getLong(0)));
        for (EventBlocks.Entry e : EventBlocks.decode(bytes(row.getValue(1)), q.sessionId(), type)) {
          if (e.seq() > q.afterSeq() && e.seq() <= q.uptoSeq()) {
            page.add(e);
          }
        }
      }
      return readBlocks(conn, q, blocks, end, page);
    });
  }

  // ---------------------------------------------------------------- compaction

  /**
   * Compacts the pieces of the next emitted window into one block per event type (of at most
   * {@link #BLOCK_EVENTS} events: a type with more gets several). A type is read one piece at a time, so
   * compacting a window costs memory for one block, whatever the window's size.
   */
  private Future<Void> compactNext() {
    WindowKey key = toCompact.iterator().next();
    toCompact.remove(key);
    long start = key.windowStartMs();
    byte[] session = Uuids.toBytes(key.sessionId());
    return track(() -> this.<Void>transaction(conn -> conn.preparedQuery(Sql.COMPACT_BLOCKS).execute(Tuple.of(session, start))
      .compose(rows -> {
        List<List<long[]>> byType = new ArrayList<>();
        for (int t = 0; t < EventType.values().length; t++) {
          byType.add(new ArrayList<>());
        }
        for (Row row : rows) {
          byType.get(row.getInteger(1)).add(new long[]{row.getLong(0), row.getLong(2)});
        }
        Future<Void> chain = Future.succeededFuture();
        for (int t = 0; t < byType.size(); t++) {
          List<long[]> pieces = byType.get(t);
          long events = 0;
          for (long[] p : pieces) {
            events += p[1];
          }
          if (pieces.size() > (events + BLOCK_EVENTS - 1) / BLOCK_EVENTS) {
            int type = t;
            chain = chain.compose(v -> mergeType(conn, key, session, type, pieces, 0, new ArrayList<>()));
          }
        }
        return chain;
      }))
      .recover(err -> {
        LOG.warn("compaction of window {} of session {} failed, will retry: {}", Timestamps.format(start),
          key.sessionId(), err.getMessage());
        toCompact.add(key);
        retryAtMs = System.currentTimeMillis() + 1000;
        return Future.<Void>failedFuture(err);
      }));
  }

  /** Reads a type's pieces in order, writing a block whenever {@link #BLOCK_EVENTS} gathered, and deletes each piece read. */
  private Future<Void> mergeType(SqlConnection conn, WindowKey key, byte[] session, int type, List<long[]> pieces,
                                 int next, List<EventBlocks.Entry> gathered) {
    if (next == pieces.size()) {
      return gathered.isEmpty() ? Future.succeededFuture()
        : conn.preparedQuery(Sql.INSERT_BLOCK).execute(blockRow(session, key.windowStartMs(), type, gathered)).mapEmpty();
    }
    long block = pieces.get(next)[0];
    return conn.preparedQuery(Sql.BLOCK_DATA).execute(Tuple.of(block))
      .compose(rows -> {
        for (Row row : rows) {
          gathered.addAll(EventBlocks.decode(bytes(row.getValue(0)), key.sessionId(), EventType.fromCode(type)));
        }
        return conn.preparedQuery(Sql.DELETE_BLOCK).execute(Tuple.of(block));
      })
      .compose(v -> {
        if (gathered.size() < BLOCK_EVENTS) {
          return Future.succeededFuture();
        }
        List<EventBlocks.Entry> full = new ArrayList<>(gathered.subList(0, BLOCK_EVENTS));
        gathered.subList(0, BLOCK_EVENTS).clear();
        return conn.preparedQuery(Sql.INSERT_BLOCK).execute(blockRow(session, key.windowStartMs(), type, full)).mapEmpty();
      })
      .compose(v -> mergeType(conn, key, session, type, pieces, next + 1, gathered));
  }

  /**
   * Runs one piece of database work as the one in flight: {@code inFlight} is set before the work starts and
   * cleared when it ends (even when it ends at once), then whatever waits goes next.
   */
  private Future<Void> track(java.util.function.Supplier<Future<Void>> work) {
    Promise<Void> done = Promise.promise();
    inFlight = done.future();
    Future<Void> running;
    try {
      running = work.get();
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    running.onComplete(ar -> {
      inFlight = null;
      done.handle(ar);
      next();
    });
    return done.future();
  }

  // ---------------------------------------------------------------- helpers

  static <T> Future<Void> sequence(List<T> items, Function<T, Future<Void>> step) {
    Future<Void> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(v -> step.apply(item));
    }
    return chain;
  }
}
