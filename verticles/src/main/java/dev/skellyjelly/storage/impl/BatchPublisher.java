package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.MeasuredEvents;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.impl.Messages.BatchEmitted;
import dev.skellyjelly.storage.impl.Messages.BatchRecord;
import dev.skellyjelly.storage.impl.Messages.BatchRecords;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Publishes firings of windows as {@link EventBatch}es of at most {@code max_events_per_batch} events each,
 * typed and as JSON, hands their screenshot ids to the screenshot store, and records every part in the
 * {@code batches} table. A window held in memory goes out at once; a spilled one is read back page by page
 * and each part published as soon as it is read.
 */
final class BatchPublisher {

  /** Its log lines are the batcher's, under the batcher's name. */
  private static final Logger LOG = LoggerFactory.getLogger(BatcherVerticle.class);

  /** One part of a firing; {@code startedNanos} is when its making began, for the batch-creation timer. */
  private record Part(int index, int count, List<RawEvent> events, Map<String, ScreenshotRef> refsById,
                      long startedNanos) {
  }

  private final EventBus bus;
  private final DeliveryOptions local;
  private final StorageMetrics metrics;
  private final WindowRules rules;
  private final SpilledWindowReader reader;
  private final Pauses pauses;
  private final InstantSource clock;
  /** Firings being read back from the database and emitted page by page. */
  private final List<Future<?>> paging = new ArrayList<>();
  private List<BatchRecord> records = new ArrayList<>();
  private final List<Future<?>> recording = new ArrayList<>();

  BatchPublisher(EventBus bus, DeliveryOptions local, StorageMetrics metrics, WindowRules rules, SpilledWindowReader reader,
                 Pauses pauses, InstantSource clock) {
    this.pauses = pauses;
    this.clock = clock;
    this.bus = bus;
    this.local = local;
    this.metrics = metrics;
    this.rules = rules;
    this.reader = reader;
  }

  /**
   * Stable for (session, window start, part, firing): a version-8 UUID with the window start in its first 48 bits
   * (as a version-7 UUID holds its time) and 74 bits of the name's MD5 in the rest. A new window's {@code batches}
   * row then goes near the end of the table's key, where a hash alone would put it at a random place.
   */
  static String windowId(String session, long start, int part, long firing) {
    UUID named = UUID.nameUUIDFromBytes((session + '/' + start + '/' + part + '/' + firing)
      .getBytes(StandardCharsets.UTF_8));
    long msb = start << 16 | 0x8000L | named.getMostSignificantBits() & 0x0FFFL;
    return new UUID(msb, named.getLeastSignificantBits()).toString();
  }

  /**
   * Publishes a firing of a window: at once if it is held; page by page if spilled, its records sent once the
   * last page is out and a failure to read it logged.
   */
  void publish(Window w, WindowFiring firing) {
    if (w instanceof Window.Held h) {
      publishHeld(h, firing);
      return;
    }
    Future<Void> emitting = publishRead((Window.Spilled) w, firing)
      .onFailure(err -> LOG.error("window {} of session {} could not be read back for its batch: {}",
        Timestamps.format(w.key().windowStartMs()), w.key().sessionId(), err.getMessage()));
    paging.add(emitting);
    emitting.onComplete(ar -> {
      paging.remove(emitting);
      flushRecords();
    });
  }

  /** Publishes a firing of a window held in memory, in parts of at most {@code max_events_per_batch} events. */
  private void publishHeld(Window.Held w, WindowFiring firing) {
    int maxPerBatch = reader.pageSize();
    int n = w.events().size();
    int parts = Math.max(1, (n + maxPerBatch - 1) / maxPerBatch);
    Map<String, ScreenshotRef> refs = refsById(w);
    long started = System.nanoTime();
    for (int part = 0; part < parts; part++) {
      // The window is dropped once fired: its events are handed over, not copied.
      List<RawEvent> events = EventBatch.handOver(w.events().subList(part * maxPerBatch, Math.min(n, (part + 1) * maxPerBatch)));
      emitPart(firing, new Part(part, parts, events, refs, started));
      started = System.nanoTime();
    }
  }

  /**
   * Publishes a firing of a window whose events are in the database only: its parts are read one page at a
   * time (of {@code max_events_per_batch} events) and each published as soon as it is read.
   */
  Future<Void> publishRead(Window.Spilled w, WindowFiring firing) {
    int maxPerBatch = reader.pageSize();
    int parts = (int) Math.max(1, (w.size() + maxPerBatch - 1) / maxPerBatch);
    return emitPages(w, firing, 0, parts, firing.afterSeq());
  }

  private Future<Void> emitPages(Window.Spilled w, WindowFiring firing, int part, int parts, long after) {
    long started = System.nanoTime();
    return reader.page(w, after, firing.uptoSeq()).compose(p -> {
      List<RawEvent> events = EventBatch.handOver(p.events());
      // The last part takes whatever the database holds beyond the count heard (none, unless a replay races a commit).
      boolean last = part == parts - 1 || reader.isLast(p);
      emitPart(firing, new Part(part, last ? part + 1 : parts, events, refsById(w), started));
      return last ? Future.succeededFuture() : emitPages(w, firing, part + 1, parts, p.lastSeq());
    });
  }

  private static Map<String, ScreenshotRef> refsById(Window w) {
    Map<String, ScreenshotRef> refsById = new HashMap<>();
    for (ScreenshotRef r : w.refs()) {
      refsById.put(r.screenshotId(), r);
    }
    return refsById;
  }

  private void emitPart(WindowFiring firing, Part part) {
    WindowKey key = firing.key();
    long start = key.windowStartMs();
    String session = key.sessionId();
    List<RawEvent> events = part.events();
    List<ScreenshotRef> refs = new ArrayList<>();
    if (!part.refsById().isEmpty()) {
      // A held window's events are packed: only its screenshots are read back to find their refs.
      for (Screenshot s : MeasuredEvents.screenshots(events)) {
        ScreenshotRef r = part.refsById().get(s.screenshotId());
        if (r != null) {
          refs.add(r);
        }
      }
    }
    String windowId = windowId(session, start, part.index(), firing.number());
    long pausedMs = pauses.overlap(start, rules.end(start), clock.millis());
    EventBatch batch = new EventBatch(windowId, session, start, rules.end(start), part.index(), part.count(),
      firing.late(), firing.replayed(), pausedMs, events, refs);
    if (!refs.isEmpty()) {
      // Before the batch goes out: an Analysis Engine that answers at once must find the store knowing the batch.
      List<String> ids = new ArrayList<>(refs.size());
      for (ScreenshotRef r : refs) {
        ids.add(r.screenshotId());
      }
      bus.send(InternalAddresses.BATCH_EMITTED, new BatchEmitted(windowId, firing.emittedAtMs(), ids), local);
    }
    bus.publish(Addresses.EVENT_BATCH, batch);
    metrics.batchCreation().record(System.nanoTime() - part.startedNanos(), TimeUnit.NANOSECONDS);
    long encoding = System.nanoTime();
    JsonObject json = EventJson.encode(batch);
    metrics.batchJson().record(System.nanoTime() - encoding, TimeUnit.NANOSECONDS);
    bus.publish(Addresses.EVENT_BATCH_JSON, json);
    metrics.batchEmitted(events.size(), firing.replayed());
    records.add(new BatchRecord(windowId, session, start, rules.end(start), part.index(), part.count(),
      firing.number(), events.size(), refs.size(), firing.late(), firing.replayed(), firing.emittedAtMs(),
      pausedMs));
  }

  /** Sends the records of the batches published since the last call to the writer. */
  void flushRecords() {
    if (records.isEmpty()) {
      return;
    }
    BatchRecords batch = new BatchRecords(records);
    records = new ArrayList<>();
    Future<?> done = bus.request(InternalAddresses.BATCH_RECORDS, batch, local)
      .onFailure(err -> LOG.error("{} batch records not confirmed: {}", batch.records().size(), err.getMessage()));
    recording.add(done);
    done.onComplete(ar -> recording.remove(done));
  }

  /** Completes once every firing being read back is published and every batch record is committed (or failed). */
  Future<?> drained() {
    flushRecords();
    return Future.join(new ArrayList<>(paging)).transform(ar -> {
      flushRecords();
      return Future.join(new ArrayList<>(recording));
    });
  }
}
