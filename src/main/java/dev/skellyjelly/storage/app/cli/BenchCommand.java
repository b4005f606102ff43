package dev.skellyjelly.storage.app.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code bench}: the module's benchmarks, printed as one JSON object on stdout. */
@Command(name = "bench", mixinStandardHelpOptions = true,
  description = "Measure the pipeline against a plain SQLite baseline in the same run; print one JSON object.")
public final class BenchCommand implements Callable<Integer> {

  @Option(names = "--events", description = "events through the pipeline and the baseline (default ${DEFAULT-VALUE})")
  int events = 1_000_000;

  @Option(names = "--producer-id-events", description = "events with producer-chosen ids, for their disk cost; 0 skips (default ${DEFAULT-VALUE})")
  int producerIdEvents = 500_000;

  @Option(names = "--screenshots", description = "5 MB screenshots timed; 0 skips (default ${DEFAULT-VALUE})")
  int screenshots = 50;

  @Option(names = "--windows", description = "30 s windows of 30 000 events closed one at a time, for batch creation; 0 skips (default ${DEFAULT-VALUE})")
  int windows = 200;

  @Option(names = "--lifecycle-days", description = "instead of the other measures: this many simulated days at "
    + "100 events/s averaged (8 active hours) with raw_retention_days = 14, fast-forwarded (default ${DEFAULT-VALUE}: off)")
  int lifecycleDays;

  @Option(names = "--lifecycle-scale", description = "the share of a full day's 8.64 million events each simulated day "
    + "sends (default ${DEFAULT-VALUE})")
  double lifecycleScale = 1.0;

  @Option(names = "--lifecycle-retention-days", description = "raw_retention_days of the lifecycle measure "
    + "(default ${DEFAULT-VALUE})")
  int lifecycleRetentionDays = 14;

  @Option(names = "--queries", description = "measure the query side instead, on a database of a year (scripts/measure-queries.sh)")
  boolean queries;

  @Option(names = "--query-runs", description = "with --queries: answers timed per query (default ${DEFAULT-VALUE})")
  int queryRuns = 200;

  @Option(names = "--raw-rate", description = "with --queries: events/s of the raw hour ingested (default ${DEFAULT-VALUE})")
  int rawRate = 1000;

  @Option(names = "--history-days", description = "with --queries: days of rollups (default ${DEFAULT-VALUE})")
  int historyDays = 365;

  @Option(names = "--raw-days", description = "with --queries: days of raw events before today, as raw retention "
    + "keeps them (default ${DEFAULT-VALUE}: a module at raw_retention_days = 14 after 60 days)")
  int rawDays = 13;

  @Option(names = "--load-seconds", description = "with --queries: seconds of 1000 events/s, without and with queries (default ${DEFAULT-VALUE})")
  int loadSeconds = 30;

  @Option(names = "--dir", description = "scratch directory (default: a new temporary one, deleted afterwards)")
  Path dir;

  @Override
  public Integer call() throws Exception {
    if (events < 1000 || producerIdEvents < 0 || screenshots < 0 || windows < 0) {
      System.err.println("skelly-storage: --events must be at least 1000; counts must not be negative");
      return Main.EXIT_USAGE;
    }
    if (queries && (queryRuns < 1 || rawRate < 1 || historyDays < 1 || loadSeconds < 1 || rawDays < 0 || rawDays > 13)) {
      System.err.println("skelly-storage: --query-runs, --raw-rate, --history-days and --load-seconds must be at least 1, "
        + "--raw-days 0 to 13");
      return Main.EXIT_USAGE;
    }
    Path scratch = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("skelly-bench");
    try {
      if (lifecycleDays > 0) {
        System.out.println(LifecycleBench.run(scratch, lifecycleDays, lifecycleScale, lifecycleRetentionDays).encode());
        return 0;
      }
      if (queries) {
        System.out.println(new QueryBench(scratch, new QueryBench.Plan(queryRuns, rawRate, historyDays, rawDays, loadSeconds)).run().encode());
        return 0;
      }
      Bench.Plan plan = new Bench.Plan(events, producerIdEvents, screenshots, windows);
      System.out.println(new Bench(scratch, plan).run().encode());
      return 0;
    } finally {
      if (dir == null) {
        deleteTree(scratch);
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
