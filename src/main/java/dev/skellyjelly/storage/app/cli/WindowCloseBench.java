package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.SettableClock;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.app.net.JsonSlices;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.MeasuredEvents;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.skellyjelly.storage.app.cli.BenchCorpus.T0;
import static dev.skellyjelly.storage.app.cli.BenchCorpus.WINDOW_MS;

/**
 * The window-close latency measure of {@code bench}: how long closing a full 30 s window takes until its
 * batch, and its JSON form, is published, and what each consumer of that JSON costs beyond its creation.
 */
final class WindowCloseBench {

  /** From closing a window until its typed batch, and its JSON form, was published. */
  record Closing(BenchFigures batchCreation, BenchFigures batchJson) {
  }

  /**
   * Measuring a window's events as they are gathered (all of them, though it is spread over the window's 30 s);
   * a local consumer's copy of a batch's JSON form; the text a bridge consumer gets, made in slices as the bridges
   * make it (all its slices, and the longest single slice of all batches), of a batch gathered and of one read
   * back; and the batch's text made whole, as Vert.x makes it for a clustered peer.
   */
  record ConsumerCost(BenchFigures gathering, BenchFigures copy, BenchFigures text, BenchFigures readBackText,
                      double longestSliceMs, double longestReadBackSliceMs, BenchFigures wholeText) {
  }

  /**
   * Batches made before the timed ones, as the screenshot measure sends ten first: the first texts run before the
   * code that writes them is compiled, which a module that has sent a few batches is past.
   */
  static final int WARMUP_BATCHES = 3;

  private WindowCloseBench() {}

  /**
   * One 30 s window of 30 000 committed events at a time: filled, then closed by moving the clock past its
   * grace; the module's own timers give the time from closing it until its typed batch, and then its JSON
   * form, is published.
   */
  static Closing closing(Path dir, int windows) throws Exception {
    BenchCorpus corpus = new BenchCorpus(windows * (int) WINDOW_MS, false);
    Path sub = Files.createDirectories(dir.resolve("windows"));
    long graceMs = 50;
    JsonObject config = BenchModules.config(sub, sub.resolve("screenshots"), Map.of(
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 20L,
      ConfigKeys.WINDOW_GRACE_MS, graceMs,
      ConfigKeys.MAX_EVENTS_PER_BATCH, WINDOW_MS));
    SettableClock clock = new SettableClock(T0);
    Vertx vertx = BenchModules.vertx();
    try {
      StorageModule module = BenchModules.deploy(vertx, clock, config);
      StorageMetrics metrics = module.metrics();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      for (int w = 0; w < windows; w++) {
        long start = T0 + w * WINDOW_MS;
        clock.set(start + WINDOW_MS - 1);
        long sent = (w + 1) * WINDOW_MS;
        vertx.runOnContext(v -> {
          for (int i = 0; i < WINDOW_MS; i++) {
            vertx.eventBus().send(Addresses.RAW_EVENT, corpus.next());
          }
        });
        BenchModules.awaitCount(metrics::eventsPersisted, sent, deadline, "windows: events committed");
        clock.set(start + WINDOW_MS + graceMs);
        BenchModules.awaitCount(metrics::batchesEmitted, w + 1, deadline, "windows: windows emitted");
      }
      return new Closing(BenchFigures.of(metrics.batchCreation()), BenchFigures.of(metrics.batchJson()));
    } finally {
      vertx.close().await();
    }
  }

  /**
   * What each consumer of the JSON form costs beyond its creation, for a batch of 30 000 events: Vert.x hands
   * every local consumer (a bridge registration too) its own {@code copy()}, made on the publishing event loop,
   * and a bridge or a clustered peer then gets the text. The events are gathered as the batcher gathers a window's
   * ({@link MeasuredEvents}, each measured as it is added: timed apart); a batch read back from the database a page
   * at a time (a window let go of) is packed and measured the same way by the writer, and timed too: the two differ
   * in the local consumer's copy only. (A swept window's events, a few, are records, counted on their way out.)
   */
  static ConsumerCost jsonConsumers(int batches) {
    // One window's events, made once and gathered anew for every batch: making 30 000 events for each batch made
    // 6 MB of the bench's own objects a batch in the module's small heap, and the full collections they caused fell
    // in the figures.
    BenchCorpus corpus = new BenchCorpus((int) WINDOW_MS, false);
    String session = Uuids.random();
    List<RawEvent> made = new ArrayList<>((int) WINDOW_MS);
    while (corpus.hasNext()) {
      made.add(corpus.next().withIds(Uuids.random(), session));
    }
    double[] gathering = new double[batches];
    double[] copies = new double[batches];
    double[] texts = new double[batches];
    double[] readBack = new double[batches];
    double[] wholeTexts = new double[batches];
    double longestSlice = 0;
    double longestReadBackSlice = 0;
    for (int b = -WARMUP_BATCHES; b < batches; b++) {
      collectBenchGarbage();
      long t = System.nanoTime();
      MeasuredEvents events = new MeasuredEvents();
      events.addAll(made);
      double gatheringMs = (System.nanoTime() - t) / 1e6;
      long start = T0 + (b + WARMUP_BATCHES) * WINDOW_MS;
      JsonObject published = EventJson.encode(new EventBatch(Uuids.random(), session, start, start + WINDOW_MS, 0, 1,
        false, false, EventBatch.handOver(events), List.of()));
      t = System.nanoTime();
      JsonObject copy = published.copy();
      double copyMs = (System.nanoTime() - t) / 1e6;
      // As the writer hands a page over (WindowReader.page): packed and measured on its thread, not timed here.
      JsonObject readBackForm = EventJson.encode(new EventBatch(Uuids.random(), session, start, start + WINDOW_MS, 0,
        1, false, false, EventBatch.handOver(new MeasuredEvents(made)), List.of()));
      // Each goes first every other batch, so that neither is always the one a collection falls in.
      Text read = b % 2 == 0 ? null : bridgeText(readBackForm);
      Text text = bridgeText(copy);
      read = read != null ? read : bridgeText(readBackForm);
      if (read.length != text.length) {
        throw new IllegalStateException("sliced frames of " + text.length + " and " + read.length + " bytes");
      }
      if (b >= 0) {
        gathering[b] = gatheringMs;
        copies[b] = copyMs;
        texts[b] = text.ms;
        readBack[b] = read.ms;
        longestSlice = Math.max(longestSlice, text.longestSliceMs);
        longestReadBackSlice = Math.max(longestReadBackSlice, read.longestSliceMs);
      }
    }
    // What a clustered consumer is sent: the batch's text made whole by Vert.x's codec (the module's). Timed in a
    // loop of its own: each whole text (about 6 MB) goes straight to the old generation, and the full collections
    // that follow fell in the sliced figures above, which a bridge's text never causes.
    for (int b = -WARMUP_BATCHES; b < batches; b++) {
      MeasuredEvents events = new MeasuredEvents(made);
      long start = T0 + (b + WARMUP_BATCHES) * WINDOW_MS;
      JsonObject published = EventJson.encode(new EventBatch(Uuids.random(), session, start, start + WINDOW_MS, 0, 1,
        false, false, EventBatch.handOver(events), List.of()));
      JsonSlices counted = JsonSlices.counting(frame(published), 4, JsonSlices.Form.TO_BUFFER);
      while (!counted.done()) {
        counted.writeSlice(JsonSlices.SLICE_ELEMENTS, Long.MAX_VALUE);
      }
      int sliced = counted.length();
      collectBenchGarbage();
      long t = System.nanoTime();
      Buffer whole = published.toBuffer();
      double wholeMs = (System.nanoTime() - t) / 1e6;
      if (whole.length() != sliced - 4 - frameAround()) {
        throw new IllegalStateException("sliced frame of " + sliced + " bytes, whole batch " + whole.length());
      }
      if (b >= 0) {
        wholeTexts[b] = wholeMs;
      }
    }
    return new ConsumerCost(BenchFigures.of(gathering), BenchFigures.of(copies), BenchFigures.of(texts),
      BenchFigures.of(readBack), longestSlice, longestReadBackSlice, BenchFigures.of(wholeTexts));
  }

  /**
   * A full collection before a batch's figures are taken. The bench runs in the module's small heap (its
   * {@code conf/jvm.options}) and makes in a second what the module makes in minutes: without this, one of its full
   * collections (12-18 ms, several a second) fell in a batch's text every few batches, where the module as deployed
   * has one every 25 s or so. Collections that a figure's own work causes still fall in it.
   */
  private static void collectBenchGarbage() {
    System.gc();
  }

  /** The TCP bridge's frame around what its consumer received, made as its outbox makes it; its bytes and time. */
  private record Text(int length, double ms, double longestSliceMs) {
  }

  private static JsonObject frame(JsonObject body) {
    return new JsonObject().put("type", "message").put("address", Addresses.EVENT_BATCH_JSON)
      .put("headers", new JsonObject()).put("body", body).put("send", false);
  }

  /** The bytes of the frame around a body, but the body's. */
  private static int frameAround() {
    return frame(new JsonObject()).toBuffer().length() - 2;
  }

  /** Counted in slices (unless its events were measured as they were gathered), then written in slices. */
  private static Text bridgeText(JsonObject body) {
    JsonSlices counted = JsonSlices.counting(frame(body), 4, JsonSlices.Form.TO_BUFFER);
    JsonSlices sliced = new JsonSlices(frame(body), 4, JsonSlices.Form.TO_BUFFER);
    double textMs = 0;
    double longestSliceMs = 0;
    for (JsonSlices text : List.of(counted, sliced)) {
      while (!text.done()) {
        long t = System.nanoTime();
        text.writeSlice(JsonSlices.SLICE_ELEMENTS, t + JsonSlices.SLICE_NANOS);
        // Each written at once: its buffer holds the next slice, as a socket's completed write gives it back.
        text.takeSlices().forEach(text::reuse);
        double ms = (System.nanoTime() - t) / 1e6;
        textMs += ms;
        longestSliceMs = Math.max(longestSliceMs, ms);
      }
    }
    if (counted.length() != sliced.length()) {
      throw new IllegalStateException("text of " + sliced.length() + " bytes, counted " + counted.length());
    }
    return new Text(sliced.length(), textMs, longestSliceMs);
  }

}
