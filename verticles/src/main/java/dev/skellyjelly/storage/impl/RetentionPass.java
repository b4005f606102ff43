package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.BudgetState;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.codecs.Timestamps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * One retention pass, run a short step at a time between commits: raw events past {@code raw_retention_days},
 * minute rollups past theirs (the hour rollups summarise them), hour rollups past theirs; then, while the
 * database is past {@code max_database_mb} or its file system below {@code min_free_disk_mb}, the oldest raw day
 * (never the current UTC day), then the oldest day of minute rollups; then the freed pages are handed back to the
 * file system a few at a time and the write-ahead log is truncated. Every step that wrote is followed by a PASSIVE
 * checkpoint of the write-ahead log as a step of its own, so no commit copies a step's pages into the database.
 */
final class RetentionPass {

  /** Logged under the writer's name, which runs it. */
  private static final Logger LOG = LoggerFactory.getLogger(DbWriterVerticle.class);

  /** What {@link #step} says of the pass. */
  enum Progress { MORE, WAIT, DONE }

  private enum Phase { RAW, MINUTE, HOUR, BUDGET, BUDGET_RAW, BUDGET_MINUTE, VACUUM, CHECKPOINT, TRUNCATE, DONE }

  private final RetentionPolicy policy;
  private final long nowMs;
  private final Path database;
  private final StorageMetrics metrics;
  private final StepSize windowStarts;
  private final StepSize pages;
  private final WalCheckpoints checkpoints;
  private final long fileBytesBefore;
  /** Whether the last step wrote: the next one checkpoints what it wrote. */
  private boolean wrote;
  /** The step size the last step that wrote used, told how long its checkpoint took; null for fixed slices. */
  private StepSize wroteWith;
  /** What the last step that wrote was, for the log. */
  private String wroteWhat = "";
  private long largestVacuumPages;
  private int checkpointSteps;
  /** The size of the write-ahead log when it was too large to truncate in one short step, else 0. */
  private long logKept;
  private Phase phase = Phase.RAW;
  private RawRetention raw;
  private RollupRetention rollups;
  /** Raw days the budget removed so far start at or after this. */
  private long budgetFloor = Long.MIN_VALUE;
  private long rawEvents;
  private long minuteRows;
  private long hourRows;
  private int budgetDays;
  private boolean overLogged;

  RetentionPass(RetentionPolicy policy, long nowMs, Path database, StorageMetrics metrics, StepSize windowStarts,
                StepSize pages, WalCheckpoints checkpoints) {
    this.policy = policy;
    this.nowMs = nowMs;
    this.database = database;
    this.metrics = metrics;
    this.windowStarts = windowStarts;
    this.pages = pages;
    this.checkpoints = checkpoints;
    this.fileBytesBefore = FileShrink.fileBytes(database);
  }

  long rawEvents() {
    return rawEvents;
  }

  long minuteRows() {
    return minuteRows;
  }

  long hourRows() {
    return hourRows;
  }

  int budgetDays() {
    return budgetDays;
  }

  long fileBytesBefore() {
    return fileBytesBefore;
  }

  /** How much the last step took on (window starts, focus rows or pages), or -1 for a step of fixed extent. */
  long lastStepSize() {
    return wroteWith == null ? -1 : wroteWith.last();
  }

  /** The most free pages one incremental-vacuum step handed back. */
  long largestVacuumPages() {
    return largestVacuumPages;
  }

  /** The size of the write-ahead log the pass left untruncated (too large for one short step), or 0. */
  long logKept() {
    return logKept;
  }

  /** The PASSIVE checkpoints that followed steps that wrote. */
  int checkpointSteps() {
    return checkpointSteps;
  }

  /** What the next step does, for the log: raw, minute, hour, budget, vacuum or checkpoint. */
  String next() {
    if (wrote) {
      return "checkpoint after " + wroteWhat;
    }
    String name = phase.name().toLowerCase(java.util.Locale.ROOT);
    return raw == null ? name : name + " " + raw.phase();
  }

  /**
   * What the age-based tiers of this pass will remove, for the log, or null when nothing: the oldest data held
   * and the bound of each tier.
   */
  String preview(WriterConnection db) throws SQLException {
    StringBuilder out = new StringBuilder();
    long rawBound = policy.rawBefore(nowMs);
    Long oldestWindow = db.read(c -> c.query(RetentionSql.OLDEST_WINDOW, RawRetention::nullableLong, Long.MIN_VALUE))
      .get(0);
    if (rawBound != RetentionPolicy.NOTHING && oldestWindow != null && oldestWindow + policy.windowMs() <= rawBound) {
      out.append("raw events from ").append(Timestamps.format(oldestWindow)).append(" to before ")
        .append(Timestamps.format(rawBound)).append(" (raw_retention_days = ").append(policy.rawDays()).append(')');
    }
    Long minuteBound = minuteBound();
    Long oldestMinute = RollupRetention.oldest(db, RollupRetention.Tier.MINUTE);
    if (minuteBound != null && oldestMinute != null && oldestMinute < minuteBound) {
      out.append(out.isEmpty() ? "" : ", ").append("minute rollups from ").append(Timestamps.format(oldestMinute))
        .append(" to before ").append(Timestamps.format(minuteBound));
    }
    long hourBound = policy.hourBefore(nowMs);
    Long oldestHour = RollupRetention.oldest(db, RollupRetention.Tier.HOUR);
    if (hourBound != RetentionPolicy.NOTHING && oldestHour != null && oldestHour < hourBound) {
      out.append(out.isEmpty() ? "" : ", ").append("hour rollups from ").append(Timestamps.format(oldestHour))
        .append(" to before ").append(Timestamps.format(hourBound));
    }
    return out.isEmpty() ? null : out.toString();
  }

  /** One short step of the pass. */
  Progress step(WriterConnection db) throws SQLException {
    if (wrote) {
      wrote = false;
      checkpointSteps++;
      long started = System.nanoTime();
      checkpoints.passive(db);
      if (wroteWith != null) {
        wroteWith.checkpointTook(System.nanoTime() - started);
      }
      return Progress.MORE;
    }
    Phase was = phase;
    wroteWith = null;
    wroteWhat = next();
    switch (phase) {
      case RAW -> {
        long bound = policy.rawBefore(nowMs);
        if (bound == RetentionPolicy.NOTHING) {
          phase = Phase.MINUTE;
        } else if (!rawStep(db, bound)) {
          phase = Phase.MINUTE;
        }
      }
      case MINUTE -> {
        // The bound is decided once, at the tier's first step; later steps go on towards it.
        Long bound = rollups == null ? minuteBound() : Long.valueOf(RetentionPolicy.NOTHING);
        if (bound == null || !rollupStep(db, RollupRetention.Tier.MINUTE, bound)) {
          phase = Phase.HOUR;
        }
      }
      case HOUR -> {
        long bound = policy.hourBefore(nowMs);
        if (bound == RetentionPolicy.NOTHING || !rollupStep(db, RollupRetention.Tier.HOUR, bound)) {
          phase = Phase.BUDGET;
        }
      }
      case BUDGET -> budget(db);
      case BUDGET_RAW -> {
        if (!rawStep(db, budgetFloor)) {
          phase = Phase.BUDGET;
        }
      }
      case BUDGET_MINUTE -> {
        if (!rollupStep(db, RollupRetention.Tier.MINUTE, budgetFloor)) {
          phase = Phase.BUDGET;
        }
      }
      case VACUUM -> vacuum(db);
      case CHECKPOINT -> {
        // What is left in the log goes into the database first; the truncation then only cuts the file.
        if (!checkpoints.passive(db).complete()) {
          return Progress.WAIT;
        }
        phase = Phase.TRUNCATE;
      }
      case TRUNCATE -> {
        long logBytes = WalCheckpoints.logBytes(database);
        if (logBytes > WalCheckpoints.TRUNCATE_AT_MOST_BYTES) {
          logKept = logBytes;
        } else if (!checkpoints.truncate(db)) {
          return Progress.WAIT;
        }
        phase = Phase.DONE;
      }
      case DONE -> {
      }
    }
    wrote = was.ordinal() < Phase.CHECKPOINT.ordinal() && was != Phase.BUDGET;
    return phase == Phase.DONE ? Progress.DONE : Progress.MORE;
  }

  /** A step of removing raw events before {@code bound}; whether more remain. */
  private boolean rawStep(WriterConnection db, long bound) throws SQLException {
    if (raw == null) {
      raw = new RawRetention(bound, policy.windowMs(), windowStarts);
    }
    long before = raw.events();
    wroteWith = raw.sizeInUse();
    boolean more = raw.step(db);
    rawEvents += raw.events() - before;
    metrics.retention().deleted("raw", raw.events() - before);
    if (!more) {
      if (raw.kept() > 0) {
        LOG.info("retention left {} windows before {} whose events are not all emitted yet; a later pass removes them",
          raw.kept(), Timestamps.format(bound));
      }
      raw = null;
    }
    return more;
  }

  /** A step of removing a rollup tier before {@code bound} (taken at the tier's first step); whether more remain. */
  private boolean rollupStep(WriterConnection db, RollupRetention.Tier tier, long bound) throws SQLException {
    if (rollups == null) {
      rollups = new RollupRetention(tier, bound);
    }
    long before = rollups.rows();
    boolean more = rollups.step(db);
    long removed = rollups.rows() - before;
    metrics.retention().deleted(tier.label, removed);
    if (tier == RollupRetention.Tier.MINUTE) {
      minuteRows += removed;
    } else {
      hourRows += removed;
    }
    if (!more) {
      rollups = null;
    }
    return more;
  }

  /**
   * Minute rollups before this go, null when they are kept forever. Every commit adds to the hour rollups in the
   * transaction that adds to the minute rollups, so what goes is always summarised by hours.
   */
  private Long minuteBound() {
    long bound = policy.minuteBefore(nowMs);
    return bound == RetentionPolicy.NOTHING ? null : bound;
  }

  /** Measures the budget; past it, the next oldest day goes (raw first, then minute rollups), else the file shrinks. */
  private void budget(WriterConnection db) throws SQLException {
    BudgetState state = measure(db, database, policy);
    boolean overSize = state.databaseBytes() > policy.maxDatabaseBytes();
    if (!passed(state, policy)) {
      metrics.retention().budget(state);
      phase = Phase.VACUUM;
      return;
    }
    String why = overSize ? "database " + state.databaseBytes() + " bytes, max_database_mb allows "
      + policy.maxDatabaseBytes() : "free disk " + state.freeDiskBytes() + " bytes, min_free_disk_mb asks "
      + policy.minFreeDiskBytes();
    long today = RetentionPolicy.dayStart(nowMs);
    Long oldestRaw = db.read(c -> c.query(RetentionSql.OLDEST_WINDOW, RawRetention::nullableLong, budgetFloor)).get(0);
    Long oldestMinute = RollupRetention.oldest(db, RollupRetention.Tier.MINUTE);
    if (oldestRaw != null && RetentionPolicy.dayStart(oldestRaw) < today) {
      budgetFloor = RetentionPolicy.dayStart(oldestRaw) + RetentionPolicy.DAY_MS;
      phase = Phase.BUDGET_RAW;
      LOG.warn("disk budget: {}; removing the raw events of {}", why, Timestamps.format(budgetFloor - RetentionPolicy.DAY_MS));
    } else if (oldestMinute != null && oldestMinute < today) {
      budgetFloor = Math.min(today, RetentionPolicy.dayStart(oldestMinute) + RetentionPolicy.DAY_MS);
      phase = Phase.BUDGET_MINUTE;
      LOG.warn("disk budget: {}; removing the minute rollups before {}", why, Timestamps.format(budgetFloor));
    } else {
      if (!overLogged) {
        LOG.warn("disk budget: {}; nothing the budget may remove is left (the current UTC day's raw events and the "
          + "hour rollups stay); new events are still taken", why);
        overLogged = true;
      }
      metrics.retention().budget(withState(state, "over"));
      phase = Phase.VACUUM;
      return;
    }
    budgetDays++;
    metrics.retention().budget(withState(state, "trimming"));
  }

  /**
   * The budget now: the pages in use (what the file shrinks to once a pass hands back its free pages) and the
   * free space on its file system, counting those pages when the file is incremental.
   */
  static BudgetState measure(WriterConnection db, Path database, RetentionPolicy policy) throws SQLException {
    long pageSize = FileShrink.pageSize(db);
    long free = FileShrink.freePages(db);
    long used = (FileShrink.pageCount(db) - free) * pageSize;
    long disk;
    try {
      disk = Files.getFileStore(database).getUsableSpace();
    } catch (IOException e) {
      disk = Long.MAX_VALUE / 2;
    }
    if (FileShrink.autoVacuum(db) == FileShrink.INCREMENTAL) {
      disk += free * pageSize;
    }
    return new BudgetState(used, policy.maxDatabaseBytes(), disk, policy.minFreeDiskBytes(), "ok");
  }

  /** Whether a measure is past the database size or below the free disk space asked for. */
  static boolean passed(BudgetState s, RetentionPolicy policy) {
    return s.databaseBytes() > policy.maxDatabaseBytes() || s.freeDiskBytes() < policy.minFreeDiskBytes();
  }

  static BudgetState withState(BudgetState s, String state) {
    return new BudgetState(s.databaseBytes(), s.budgetBytes(), s.freeDiskBytes(), s.minFreeDiskBytes(), state);
  }

  /** Hands back free pages at the end of the file, a few at a step. */
  private void vacuum(WriterConnection db) throws SQLException {
    long free = FileShrink.autoVacuum(db) == FileShrink.INCREMENTAL ? FileShrink.freePages(db) : 0;
    if (free == 0) {
      phase = Phase.CHECKPOINT;
      return;
    }
    long started = System.nanoTime();
    long n = Math.min(free, pages.get());
    largestVacuumPages = Math.max(largestVacuumPages, n);
    wroteWith = pages;
    db.rewrite(c -> {
      FileShrink.vacuumStep(c, n);
      return null;
    });
    pages.took(System.nanoTime() - started);
  }
}
