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
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The only code that touches SQLite. Deployed as a worker: every handler here runs on its worker thread,
 * one at a time, and calls sqlite-jdbc directly on the one writer connection ({@link WriterConnection}).
 * Groups of accepted events, batch records and screenshot deletions are buffered and committed together
 * every {@code write_flush_interval_ms} (sooner when the buffer fills); after each commit the committed
 * events go to the batcher and each producer's request is answered. While a statement runs, what arrives
 * waits in the worker's queue; the receiver bounds how much that can be.
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
  private static final String ID_QUERY_SQL = "SELECT id FROM recent_ids_0 WHERE id IN (" + marks(ID_QUERY_CHUNK)
    + ") UNION ALL SELECT id FROM recent_ids_1 WHERE id IN (" + marks(ID_QUERY_CHUNK) + ")";
  /** Blocks fetched in one query while a page of a window is read. */
  private static final int PAGE_FETCH = 16;
  /** The query for {@link #PAGE_FETCH} blocks; fewer are asked for by repeating the last. */
  private static final String PAGE_FETCH_SQL = Sql.BLOCKS_DATA + "(" + marks(PAGE_FETCH) + ")";
  /** Events of one type in one compacted block, at most. */
  static final int BLOCK_EVENTS = 32_768;
  private static final long MAX_BACKOFF_MS = 5_000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final ModuleContext ctx;
  private StorageConfig config;
  private Path databasePath;
  private DatabaseLock lock;
  private WriterConnection db;
  private Object fileKey;

  private List<Message<WriteGroup>> groups = new ArrayList<>();
  private List<Message<BatchRecords>> records = new ArrayList<>();
  private List<Message<ScreenshotDeletions>> deletions = new ArrayList<>();
  private int bufferedEvents;
  private long retryAtMs;
  private long backoffMs;
  private boolean unhealthy;
  /** Whether a turn of compaction is queued on this worker already. */
  private boolean compactionQueued;
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
    try {
      open();
      int swept = db.transaction(c -> c.update(Sql.SWEEP_UNDELETED, ctx.clock().millis()));
      for (int i = 0; i < swept; i++) {
        ctx.metrics().screenshotDeleted("startup-sweep");
      }
      if (swept > 0) {
        LOG.info("{} screenshots of an earlier run recorded as deleted by the start-up sweep", swept);
      }
      db.read(c -> {
        for (long[] row : c.query(Sql.RECENT_HOURS, rs -> new long[]{rs.getInt(1), rs.getLong(2)})) {
          recentHours[(int) row[0]] = row[1];
        }
        nextSeq = c.query(Sql.MAX_SEQ, rs -> rs.getLong(1)).get(0);
        // Pieces a previous run left uncompacted; windows not yet emitted are compacted after their batch.
        long now = ctx.clock().millis();
        for (WindowKey key : c.query(Sql.UNCOMPACTED_WINDOWS,
          rs -> new WindowKey(Uuids.fromBytes(rs.getBytes(1)), rs.getLong(2)))) {
          if (key.windowStartMs() + config.batchWindowMs() + config.windowGraceMs() <= now) {
            toCompact.add(key);
          }
        }
        return null;
      });
    } catch (SQLException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    return Future.all(
        vertx.eventBus().<WriteGroup>localConsumer(InternalAddresses.WRITE, this::onWriteGroup).completion(),
        vertx.eventBus().<BatchRecords>localConsumer(InternalAddresses.BATCH_RECORDS, this::onBatchRecords).completion(),
        vertx.eventBus().<ScreenshotDeletions>localConsumer(InternalAddresses.SCREENSHOT_DELETED, this::onDeletions).completion(),
        vertx.eventBus().<ReplayRequest>localConsumer(InternalAddresses.REPLAY, this::onReplay).completion(),
        vertx.eventBus().<WindowQuery>localConsumer(InternalAddresses.WINDOW_EVENTS, this::onWindowQuery).completion())
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

  /** Opens the writer's connection on the file prepared and brings its schema up to date. */
  private void open() throws IOException, SQLException {
    fileKey = Files.readAttributes(databasePath, BasicFileAttributes.class).fileKey();
    db = new WriterConnection(databasePath);
    migrate();
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
   * Opens a new database where the old one vanished. What was committed to the vanished file went with it;
   * what is buffered here is committed to the new one. Retried with backoff while the path cannot hold a
   * database.
   */
  private void reopen() {
    String why = "database file " + databasePath + " was deleted or replaced underneath the module";
    if (!unhealthy) {
      LOG.error("{}; opening a new one and keeping the {} buffered events for it", why, bufferedEvents);
    }
    unhealthy = true;
    ctx.metrics().databaseError(why);
    try {
      closeQuietly();
      if (!Files.exists(databasePath)) {
        // A journal left by the vanished database must not be replayed into the new one.
        for (String suffix : new String[]{"-wal", "-shm"}) {
          Files.deleteIfExists(databasePath.resolveSibling(databasePath.getFileName() + suffix));
        }
      }
      prepareFiles();
      open();
    } catch (IOException | SQLException | RuntimeException err) {
      backoffMs = backoffMs == 0 ? 100 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
      retryAtMs = System.currentTimeMillis() + backoffMs;
      ctx.metrics().databaseError(why + "; cannot open a new one: " + err.getMessage());
      return;
    }
    LOG.info("database {} opened anew", databasePath);
    unhealthy = false;
    backoffMs = 0;
    ctx.metrics().databaseError(null);
  }

  private void closeQuietly() {
    if (db != null) {
      db.close();
      db = null;
    }
    if (lock != null) {
      try {
        lock.close();
      } catch (IOException e) {
        LOG.warn("could not release the database lock: {}", e.getMessage());
      }
      lock = null;
    }
  }

  private void migrate() throws SQLException {
    db.transaction(c -> {
      c.execute(Sql.CREATE_SCHEMA_VERSION);
      int level = c.query(Sql.SCHEMA_LEVEL, rs -> rs.getInt(1)).get(0);
      if (level > MIGRATIONS.size()) {
        throw new IllegalStateException("database " + databasePath + " has schema level " + level
          + ", newer than this module's " + MIGRATIONS.size());
      }
      for (int i = level; i < MIGRATIONS.size(); i++) {
        applyMigration(c, MIGRATIONS.get(i), i + 1);
      }
      return null;
    });
  }

  private void applyMigration(WriterConnection c, String file, int level) throws SQLException {
    List<String> statements;
    try (InputStream in = DbWriterVerticle.class.getResourceAsStream("/dev/skellyjelly/storage/db/" + file)) {
      statements = splitStatements(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("migration " + file + " is missing", e);
    }
    LOG.info("migrating {} to schema level {}", databasePath, level);
    for (String sql : statements) {
      c.execute(sql);
    }
    c.update(Sql.RECORD_MIGRATION, level, ctx.clock().millis());
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
    if (System.currentTimeMillis() >= retryAtMs) {
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
    if (System.currentTimeMillis() < retryAtMs) {
      return;
    }
    if (db == null || fileReplaced()) {
      reopen();
    } else if (hasWork()) {
      flush();
    } else {
      compactLater();
    }
  }

  /**
   * Compacts the next emitted window as a task of its own on this worker, so that groups arriving meanwhile
   * are committed between windows, and goes on while windows wait.
   */
  private void compactLater() {
    if (toCompact.isEmpty() || compactionQueued || stopping) {
      return;
    }
    compactionQueued = true;
    vertx.runOnContext(v -> {
      compactionQueued = false;
      if (db != null && !hasWork() && System.currentTimeMillis() >= retryAtMs && compactNext()) {
        compactLater();
      }
    });
  }

  private boolean hasWork() {
    return !groups.isEmpty() || !records.isEmpty() || !deletions.isEmpty();
  }

  /** Commits what is buffered now; whether that commit succeeded (a failed one is kept and retried). */
  private boolean flush() {
    if (!hasWork() || db == null) {
      return !hasWork();
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
    try {
      BitSet dups = commit(g, r, d);
      ctx.metrics().dbWrite().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      afterCommit(g, r, d, dups);
      if (unhealthy) {
        LOG.info("database writable again; committed {} buffered events", n);
      }
      unhealthy = false;
      ctx.metrics().databaseError(null);
      backoffMs = 0;
      compactLater();
      return true;
    } catch (SQLException | RuntimeException err) {
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
      return false;
    } finally {
      ctx.metrics().queueDepth("writer").set(bufferedEvents);
      updateSize();
    }
  }

  /**
   * Commits until nothing is buffered, retrying failures with backoff (the module's stop timeout bounds it),
   * then compacts what was emitted; a failed compaction leaves the rows for the next run.
   */
  private Future<Void> drain() {
    if (hasWork() && !(db == null ? tryReopen() && flush() : flush())) {
      Promise<Void> later = Promise.promise();
      vertx.setTimer(Math.max(1, backoffMs), id -> drain().onComplete(later));
      return later.future();
    }
    if (hasWork()) {
      return drain();
    }
    while (!toCompact.isEmpty() && db != null && compactNext()) {
      // One window at a time until none waits.
    }
    return Future.succeededFuture();
  }

  private boolean tryReopen() {
    reopen();
    return db != null;
  }

  // ---------------------------------------------------------------- the commit

  private BitSet commit(List<Message<WriteGroup>> g, List<Message<BatchRecords>> r,
                        List<Message<ScreenshotDeletions>> d) throws SQLException {
    List<Accepted> all = new ArrayList<>();
    for (Message<WriteGroup> m : g) {
      all.addAll(m.body().entries());
    }
    long hour = ctx.clock().millis() / 3_600_000L;
    int slot = (int) (hour % 2);
    boolean rotate = recentHours[slot] != hour;
    long[] lastSeq = {nextSeq};
    BitSet dups = db.transaction(c -> {
      if (rotate) {
        // The table whose hour slot came round again holds ids two hours old.
        c.update(Sql.CLEAR_RECENT[slot]);
        c.update(Sql.SET_RECENT_HOUR, hour, slot);
      }
      Set<String> existing = existingIds(c, all);
      BitSet found = new BitSet(all.size());
      Set<String> seen = new HashSet<>();
      Map<WindowKey, List<List<EventBlocks.Entry>>> pieces = new HashMap<>();
      Map<WindowKey, long[]> counts = new HashMap<>();
      long seq = nextSeq;
      List<Object[]> shots = new ArrayList<>();
      List<Object[]> recent = new ArrayList<>();
      long windowMs = config.batchWindowMs();
      for (int i = 0; i < all.size(); i++) {
        Accepted a = all.get(i);
        RawEvent e = a.event();
        if (a.producerId()) {
          if (existing.contains(e.id()) || !seen.add(e.id())) {
            found.set(i);
            continue;
          }
          recent.add(new Object[]{Uuids.toBytes(e.id())});
        }
        WindowKey key = new WindowKey(e.sessionId(), WindowRules.start(e.timestampMs(), windowMs));
        pieces.computeIfAbsent(key, k -> byType()).get(e.eventType().code()).add(new EventBlocks.Entry(++seq, e));
        counts.computeIfAbsent(key, k -> new long[EventType.values().length])[e.eventType().code()]++;
        if (a.screenshot() != null) {
          shots.add(screenshotRow(e, a.screenshot(), key.windowStartMs()));
        }
      }
      List<Object[]> blocks = new ArrayList<>();
      pieces.forEach((key, types) -> blocks.addAll(blockRows(key, types)));
      List<Object[]> countRows = new ArrayList<>();
      counts.forEach((key, byType) -> {
        for (int t = 0; t < byType.length; t++) {
          if (byType[t] > 0) {
            countRows.add(new Object[]{key.sessionId(), key.windowStartMs(), t, byType[t]});
          }
        }
      });
      List<Object[]> batchRows = new ArrayList<>();
      for (Message<BatchRecords> m : r) {
        for (BatchRecord b : m.body().records()) {
          batchRows.add(new Object[]{b.windowId(), b.sessionId(), b.windowStartMs(), b.windowEndMs(), b.part(),
            b.parts(), b.firing(), b.eventCount(), b.screenshotCount(), b.late() ? 1 : 0, b.replayed() ? 1 : 0,
            b.emittedAtMs()});
        }
      }
      List<Object[]> deletedRows = new ArrayList<>();
      for (Message<ScreenshotDeletions> m : d) {
        for (ScreenshotDeletion del : m.body().deletions()) {
          deletedRows.add(new Object[]{del.deletedAtMs(), del.reason(), del.screenshotId()});
        }
      }
      c.batch(Sql.INSERT_BLOCK, blocks);
      c.batch(Sql.INSERT_RECENT[slot], recent);
      c.batch(Sql.ADD_COUNT, countRows);
      c.batch(Sql.INSERT_SCREENSHOT, shots);
      c.batch(Sql.INSERT_BATCH, batchRows);
      c.batch(Sql.MARK_DELETED, deletedRows);
      lastSeq[0] = seq;
      return found;
    });
    // Only once committed: a failed transaction's numbers are used again by its retry.
    nextSeq = lastSeq[0];
    recentHours[slot] = hour;
    return dups;
  }

  private static String marks(int n) {
    return "?" + ",?".repeat(n - 1);
  }

  private static List<List<EventBlocks.Entry>> byType() {
    List<List<EventBlocks.Entry>> types = new ArrayList<>(EventType.values().length);
    for (int t = 0; t < EventType.values().length; t++) {
      types.add(new ArrayList<>());
    }
    return types;
  }

  /** One event_blocks row per event type present: the time-series form of what a commit or a compaction writes. */
  private static List<Object[]> blockRows(WindowKey key, List<List<EventBlocks.Entry>> types) {
    byte[] session = Uuids.toBytes(key.sessionId());
    List<Object[]> rows = new ArrayList<>();
    for (int t = 0; t < types.size(); t++) {
      List<EventBlocks.Entry> entries = types.get(t);
      if (!entries.isEmpty()) {
        rows.add(blockRow(session, key.windowStartMs(), t, entries));
      }
    }
    return rows;
  }

  private static Object[] blockRow(byte[] session, long windowStart, int type, List<EventBlocks.Entry> entries) {
    return new Object[]{session, windowStart, type, entries.size(), entries.get(0).seq(),
      entries.get(entries.size() - 1).seq(), EventBlocks.encode(entries)};
  }

  private static Object[] screenshotRow(RawEvent e, ScreenshotRow row, long windowStart) {
    Screenshot s = (Screenshot) e.data();
    return new Object[]{s.screenshotId(), e.sessionId(), e.id(), e.timestampMs(), windowStart,
      s.format().wireName(), row.sizeBytes(), row.width(), row.height(), row.storage(), s.appName(), s.windowTitle(),
      s.screenRegion().x(), s.screenRegion().y(), s.screenRegion().width(), s.screenRegion().height(),
      s.privacyMasked() ? 1 : 0};
  }

  /** Which of the producer-chosen ids among {@code entries} the database already holds. */
  private static Set<String> existingIds(WriterConnection c, List<Accepted> entries) throws SQLException {
    List<byte[]> ids = new ArrayList<>();
    for (Accepted a : entries) {
      if (a.producerId()) {
        ids.add(Uuids.toBytes(a.event().id()));
      }
    }
    Set<String> found = new HashSet<>();
    for (int from = 0; from < ids.size(); from += ID_QUERY_CHUNK) {
      // Always ID_QUERY_CHUNK ids, the last repeated, so that one prepared statement serves every chunk.
      Object[] params = new Object[2 * ID_QUERY_CHUNK];
      for (int i = 0; i < ID_QUERY_CHUNK; i++) {
        params[i] = ids.get(Math.min(ids.size() - 1, from + i));
        params[ID_QUERY_CHUNK + i] = params[i];
      }
      found.addAll(c.query(ID_QUERY_SQL, rs -> Uuids.fromBytes(rs.getBytes(1)), params));
    }
    return found;
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
          ctx.metrics().persistLatency().record(now - a.receivedNanos(), TimeUnit.NANOSECONDS);
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
    flush();
    try {
      ReplayPlan plan = connection().read(c -> {
        List<WindowKey> due = new ArrayList<>();
        List<WindowKey> open = new ArrayList<>();
        Map<WindowKey, Long> counts = new HashMap<>();
        c.query(Sql.UNCOVERED_WINDOWS, rs -> {
          WindowKey key = new WindowKey(rs.getString(1), rs.getLong(2));
          (req.rules().isClosed(key.windowStartMs(), req.nowMs()) ? due : open).add(key);
          counts.put(key, rs.getLong(3));
          return key;
        });
        List<Firing> firings = c.query(Sql.LAST_FIRINGS,
          rs -> new Firing(rs.getString(1), rs.getLong(2), rs.getLong(3)), WindowRules.firingMemorySince(req.nowMs()));
        return new ReplayPlan(due, open, firings, counts, nextSeq);
      });
      msg.reply(plan, LOCAL);
    } catch (SQLException | RuntimeException err) {
      msg.fail(500, "replay query failed: " + err.getMessage());
    }
  }

  private void onWindowQuery(Message<WindowQuery> msg) {
    WindowQuery q = msg.body();
    try {
      WindowEvents w = connection().read(c -> {
        List<EventBlocks.Entry> events = readPage(c, q);
        List<ScreenshotRef> refs = new ArrayList<>();
        for (ScreenshotRef ref : c.query(Sql.WINDOW_SCREENSHOTS, rs -> "none".equals(rs.getString(7)) ? null
          // Whatever a previous run held is gone now: memory with the process, files with the start-up sweep.
          : new ScreenshotRef(rs.getString(1), rs.getLong(2), ImageFormat.fromWireName(rs.getString(3)), rs.getLong(4),
            rs.getInt(5), rs.getInt(6), ScreenshotStorage.DELETED), q.sessionId(), q.windowStartMs())) {
          if (ref != null) {
            refs.add(ref);
          }
        }
        List<RawEvent> plain = new ArrayList<>(events.size());
        for (EventBlocks.Entry e : events) {
          plain.add(e.event());
        }
        long last = events.isEmpty() ? q.afterSeq() : events.get(events.size() - 1).seq();
        return new WindowEvents(q.sessionId(), q.windowStartMs(), plain, refs, last);
      });
      msg.reply(w, LOCAL);
    } catch (SQLException | RuntimeException err) {
      msg.fail(500, "window query failed: " + err.getMessage());
    }
  }

  /** The open connection, or a failure a reader reports when the database could not be opened anew. */
  private WriterConnection connection() throws SQLException {
    if (db == null) {
      throw new SQLException("database " + databasePath + " is not open");
    }
    return db;
  }

  /**
   * The first {@code limit} committed events of a window after {@code afterSeq} (up to {@code uptoSeq}), in
   * commit order. Blocks are read in the order their events begin, a few per query, and no longer once the next
   * one begins after the last event the page needs: a page costs the blocks it overlaps, whatever the window's size.
   */
  private static List<EventBlocks.Entry> readPage(WriterConnection c, WindowQuery q) throws SQLException {
    List<long[]> blocks = c.query(Sql.PAGE_BLOCKS, rs -> new long[]{rs.getLong(1), rs.getLong(2), rs.getInt(3)},
      Uuids.toBytes(q.sessionId()), q.windowStartMs(), q.afterSeq(), q.uptoSeq());
    List<EventBlocks.Entry> page = new ArrayList<>();
    Comparator<EventBlocks.Entry> bySeq = Comparator.comparingLong(EventBlocks.Entry::seq);
    for (int next = 0; next < blocks.size(); ) {
      if (page.size() >= q.limit()) {
        page.sort(bySeq);
        page.subList(q.limit(), page.size()).clear();
        if (blocks.get(next)[1] > page.get(page.size() - 1).seq()) {
          return page;
        }
      }
      // The next few blocks in one query: a page usually needs a few dozen (one per type and commit).
      int end = Math.min(blocks.size(), next + PAGE_FETCH);
      Object[] ids = new Object[PAGE_FETCH];
      Map<Long, Integer> types = new HashMap<>();
      for (int i = 0; i < PAGE_FETCH; i++) {
        long[] block = blocks.get(Math.min(end - 1, next + i));
        ids[i] = block[0];
        types.put(block[0], (int) block[2]);
      }
      for (Map.Entry<Long, byte[]> row : c.query(PAGE_FETCH_SQL, rs -> Map.entry(rs.getLong(1), rs.getBytes(2)), ids)) {
        EventType type = EventType.fromCode(types.get(row.getKey()));
        for (EventBlocks.Entry e : EventBlocks.decode(row.getValue(), q.sessionId(), type)) {
          if (e.seq() > q.afterSeq() && e.seq() <= q.uptoSeq()) {
            page.add(e);
          }
        }
      }
      next = end;
    }
    page.sort(bySeq);
    if (page.size() > q.limit()) {
      page.subList(q.limit(), page.size()).clear();
    }
    return page;
  }

  // ---------------------------------------------------------------- compaction

  /**
   * Compacts the pieces of the next emitted window into one block per event type (of at most
   * {@link #BLOCK_EVENTS} events: a type with more gets several). A type is read one piece at a time, so
   * compacting a window costs memory for one block, whatever the window's size. Whether it succeeded; a
   * failed window is retried a second later.
   */
  private boolean compactNext() {
    WindowKey key = toCompact.iterator().next();
    toCompact.remove(key);
    long start = key.windowStartMs();
    byte[] session = Uuids.toBytes(key.sessionId());
    try {
      db.transaction(c -> {
        List<List<long[]>> byType = new ArrayList<>();
        for (int t = 0; t < EventType.values().length; t++) {
          byType.add(new ArrayList<>());
        }
        for (long[] row : c.query(Sql.COMPACT_BLOCKS, rs -> new long[]{rs.getLong(1), rs.getInt(2), rs.getLong(3)},
          session, start)) {
          byType.get((int) row[1]).add(new long[]{row[0], row[2]});
        }
        for (int t = 0; t < byType.size(); t++) {
          List<long[]> pieces = byType.get(t);
          long events = 0;
          for (long[] p : pieces) {
            events += p[1];
          }
          if (pieces.size() > (events + BLOCK_EVENTS - 1) / BLOCK_EVENTS) {
            mergeType(c, key, session, t, pieces);
          }
        }
        return null;
      });
      return true;
    } catch (SQLException | RuntimeException err) {
      LOG.warn("compaction of window {} of session {} failed, will retry: {}", Timestamps.format(start),
        key.sessionId(), err.getMessage());
      toCompact.add(key);
      retryAtMs = System.currentTimeMillis() + 1000;
      return false;
    }
  }

  /** Reads a type's pieces in order, writing a block whenever {@link #BLOCK_EVENTS} gathered, and deletes each piece read. */
  private static void mergeType(WriterConnection c, WindowKey key, byte[] session, int type, List<long[]> pieces)
    throws SQLException {
    List<EventBlocks.Entry> gathered = new ArrayList<>();
    for (long[] piece : pieces) {
      for (byte[] data : c.query(Sql.BLOCK_DATA, rs -> rs.getBytes(1), piece[0])) {
        gathered.addAll(EventBlocks.decode(data, key.sessionId(), EventType.fromCode(type)));
      }
      c.update(Sql.DELETE_BLOCK, piece[0]);
      while (gathered.size() >= BLOCK_EVENTS) {
        List<EventBlocks.Entry> full = gathered.subList(0, BLOCK_EVENTS);
        c.update(Sql.INSERT_BLOCK, blockRow(session, key.windowStartMs(), type, full));
        full.clear();
      }
    }
    if (!gathered.isEmpty()) {
      c.update(Sql.INSERT_BLOCK, blockRow(session, key.windowStartMs(), type, gathered));
    }
  }
}
