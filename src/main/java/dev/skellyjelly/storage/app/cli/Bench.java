package dev.skellyjelly.storage.app.cli;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

import static dev.skellyjelly.storage.app.cli.BenchFigures.round;

/**
 * The report behind {@code bench}: runs the measures in turn (a plain sqlite-jdbc baseline and the module's
 * pipeline in one JVM and one run, so their ratio means something on whatever machine runs it; closing
 * windows; screenshots) and names their figures.
 */
final class Bench {

  /** How much of each measure to run; a count of 0 skips that measure. */
  record Plan(int events, int producerIdEvents, int screenshots, int windows) {
  }

  private final Path dir;
  private final Plan plan;

  Bench(Path dir, Plan plan) {
    this.dir = dir;
    this.plan = plan;
  }

  JsonObject run() throws Exception {
    JsonObject report = new JsonObject().put("events", plan.events());
    double raw = SqliteBaseline.rowsPerSecond(dir, plan.events());
    report.put("raw_sqlite_rows_per_s", Math.round(raw));

    PipelineBench.Result plain = PipelineBench.run(dir, "pipeline", plan.events(), false);
    report.put("pipeline_events_per_s", Math.round(plain.eventsPerSecond()));
    report.put("pipeline_ratio", round(plain.eventsPerSecond() / raw, 3));
    report.put("disk_bytes_per_event", round(plain.diskBytesPerEvent(), 2));
    // The same measures while the flood goes on: GC pauses and the other stages share the cores.
    putFigures(report, "batch_creation_under_load_ms", plain.batchCreation());
    putFigures(report, "batch_json_under_load_ms", plain.batchJson());
    report.put("batches_under_load", plain.batches());

    if (plan.windows() > 0) {
      WindowCloseBench.Closing closing = WindowCloseBench.closing(dir, plan.windows());
      report.put("windows_of_30000_events", plan.windows());
      putFigures(report, "batch_creation_ms", closing.batchCreation());
      putFigures(report, "batch_json_ms", closing.batchJson());
      WindowCloseBench.ConsumerCost consumer = WindowCloseBench.jsonConsumers(Math.min(plan.windows(), 50));
      putFigures(report, "batch_json_local_consumer_copy_ms", consumer.copy());
      putFigures(report, "batch_events_measured_ms", consumer.gathering());
      putFigures(report, "batch_json_text_ms", consumer.text());
      putFigures(report, "batch_json_text_read_back_ms", consumer.readBackText());
      report.put("batch_json_text_slice_ms_max", round(consumer.longestSliceMs(), 3));
      report.put("batch_json_text_read_back_slice_ms_max", round(consumer.longestReadBackSliceMs(), 3));
      putFigures(report, "batch_json_text_whole_ms", consumer.wholeText());
    }

    if (plan.producerIdEvents() > 0) {
      PipelineBench.Result ids = PipelineBench.run(dir, "pipeline-producer-ids", plan.producerIdEvents(), true);
      report.put("producer_id_events", plan.producerIdEvents());
      report.put("pipeline_producer_ids_events_per_s", Math.round(ids.eventsPerSecond()));
      report.put("disk_bytes_per_event_producer_ids", round(ids.diskBytesPerEvent(), 2));
    }
    if (plan.screenshots() > 0) {
      ScreenshotBench.Latency shot = ScreenshotBench.run(dir, plan.screenshots());
      report.put("screenshots", plan.screenshots());
      putFigures(report, "screenshot_5mb_ms", shot.request());
      putFigures(report, "screenshot_5mb_stored_ms", shot.stored());
    }
    return report;
  }

  /** {@code name_p50} and {@code name_p99}, rounded to the microsecond. */
  private static void putFigures(JsonObject report, String name, BenchFigures figures) {
    report.put(name + "_p50", round(figures.p50Ms(), 3));
    report.put(name + "_p99", round(figures.p99Ms(), 3));
  }
}
