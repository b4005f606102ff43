package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.BatchEmitted;
import dev.skellyjelly.storage.impl.Messages.BatchRecord;
import dev.skellyjelly.storage.impl.Messages.BatchRecords;
import dev.skellyjelly.storage.impl.Messages.CommittedGroup;
import dev.skellyjelly.storage.impl.Messages.Firing;
import dev.skellyjelly.storage.impl.Messages.ReplayPlan;
import dev.skellyjelly.storage.impl.Messages.ReplayRequest;
import dev.skellyjelly.storage.impl.Messages.WindowEvents;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WindowQuery;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Groups committed events into event-time windows per session and emits each window as
 * {@link EventBatch}es once the clock passes its end plus the grace period. Events committed after their
 * window closed go out in a later, {@code late} firing of the same window; at start-up, windows whose
 * committed events were not all emitted are emitted again, {@code replayed}.
 */
public final class BatcherVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BatcherVerticle.class);
  private static final long TIMEOUT_MS = 120_000;
  /**
   * Committed events held in memory for open windows, at most. Past it the largest window lets go of its
   * events and is read back from the database in pages when it closes: a flood costs reads, not the heap.
   */
  static final int MAX_HELD = 50_000;

  private final ModuleContext ctx;
  private final DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS);
  private WindowRules rules;
  private int maxPerBatch;

  private final Map<WindowKey, Window> open = new LinkedHashMap<>();
  private final Map<WindowKey, Window> late = new LinkedHashMap<>();
  private final Map<WindowKey, Long> lastFiring = new HashMap<>();
  /** The last commit sequence number heard when a window last fired: its later firings hold only events above it. */
  private final Map<WindowKey, Long> firedUpto = new HashMap<>();
  /** The last commit sequence number heard of. */
  private long lastSeqHeard;
  /** Firings being read back from the database and emitted page by page. */
  private final List<Future<?>> paging = new ArrayList<>();
  private List<BatchRecord> records = new ArrayList<>();
  private final List<Future<?>> recording = new ArrayList<>();
  private long waiting;
  /** Events held in memory (windows not spilled). */
  private long held;

  public BatcherVerticle(ModuleContext ctx) {
    this.ctx = ctx;
  }

  /**
   * The events and screenshot references gathered for one firing of a window. A spilled window keeps only
   * their count and the commit sequence numbers that bound them; its events are read back when it fires.
   */
  private static final class Window {
    final WindowKey key;
    final List<RawEvent> events = new ArrayList<>();
    final List<ScreenshotRef> refs = new ArrayList<>();
    boolean spilled;
    long count;
    /** Spilled: its events are those of the window with afterSeq < seq <= uptoSeq. */
    long afterSeq;
    long uptoSeq;

    Window(WindowKey key) {
      this.key = key;
    }

    long size() {
      return spilled ? count : events.size();
    }
  }

  /** The timer period: a window is emitted at most this long after its end plus grace. */
  static long tickMs(StorageConfig config) {
    return Math.max(10, Math.min(1000, config.windowGraceMs() / 2));
  }

  @Override
  public Future<?> start() {
    StorageConfig config = StorageConfig.fromJson(config());
    rules = new WindowRules(config.batchWindowMs(), config.windowGraceMs());
    maxPerBatch = config.maxEventsPerBatch();
    return replay()
      .compose(v -> vertx.eventBus().<CommittedGroup>localConsumer(InternalAddresses.COMMITTED, this::onCommitted).completion())
      .onSuccess(v -> vertx.setPeriodic(tickMs(config), id -> tick()));
  }

  /** Emits every open window and pending late firing now, and waits until their records are committed. */
  @Override
  public Future<?> stop() {
    return ctx.shutdown().stop(vertx, ShutdownSequence.Stage.BATCHER, this::drain);
  }

  private Future<?> drain() {
    for (Window w : new ArrayList<>(open.values())) {
      fire(w, false);
    }
    open.clear();
    for (Window w : new ArrayList<>(late.values())) {
      fire(w, false);
    }
    late.clear();
    waiting = 0;
    flushRecords();
    return Future.join(new ArrayList<>(paging)).transform(ar -> {
      flushRecords();
      return Future.join(new ArrayList<>(recording));
    });
  }

  // ---------------------------------------------------------------- start-up

  private Future<Void> replay() {
    return vertx.eventBus().<ReplayPlan>request(InternalAddresses.REPLAY,
        new ReplayRequest(ctx.clock().millis(), rules), local)
      .compose(reply -> {
        ReplayPlan plan = reply.body();
        lastSeqHeard = plan.lastSeq();
        for (Firing f : plan.firings()) {
          lastFiring.put(new WindowKey(f.sessionId(), f.windowStartMs()), f.lastFiring());
        }
        if (!plan.due().isEmpty()) {
          LOG.info("replaying {} windows whose committed events were not all emitted", plan.due().size());
        }
        Future<Void> chain = Future.succeededFuture();
        for (WindowKey key : plan.due()) {
          firedUpto.put(key, plan.lastSeq());
          chain = chain.compose(v -> emitPaged(stored(key, plan), nextFiring(key), false, true));
        }
        for (WindowKey key : plan.open()) {
          if (lastFiring.containsKey(key)) {
            // Emitted in part before (early, by a graceful stop): the stored events repeat that firing's, so
            // they may only go out marked replayed; later events of the window go to late firings as usual.
            firedUpto.put(key, plan.lastSeq());
            chain = chain.compose(v -> emitPaged(stored(key, plan), nextFiring(key), false, true));
            continue;
          }
          chain = chain.compose(v -> {
            Window w = stored(key, plan);
            open.put(key, w);
            waiting += w.count;
            if (held + w.count > MAX_HELD) {
              return Future.succeededFuture();
            }
            // Few enough to hold: read them back, and the window goes on gathering in memory.
            return readAll(w).map(events -> {
              w.spilled = false;
              w.events.addAll(events);
              held += events.size();
              return (Void) null;
            });
          });
        }
        return chain;
      })
      .onSuccess(v -> flushRecords());
  }

  /** A window as the database holds it: every committed event up to the plan's last sequence number. */
  private static Window stored(WindowKey key, ReplayPlan plan) {
    Window w = new Window(key);
    w.spilled = true;
    w.count = plan.counts().getOrDefault(key, 0L);
    w.afterSeq = 0;
    w.uptoSeq = plan.lastSeq();
    return w;
  }

  /** One page of a spilled window's events, from {@code afterSeq}; the window's screenshot references come along. */
  private Future<WindowEvents> page(Window w, long afterSeq) {
    return vertx.eventBus().<WindowEvents>request(InternalAddresses.WINDOW_EVENTS,
        new WindowQuery(w.key.sessionId(), w.key.windowStartMs(), afterSeq, w.uptoSeq, maxPerBatch), local)
      .map(reply -> {
        if (w.refs.isEmpty()) {
          w.refs.addAll(reply.body().refs());
        }
        return reply.body();
      });
  }

  /** Every event of a spilled window small enough to hold. */
  private Future<List<RawEvent>> readAll(Window w) {
    List<RawEvent> all = new ArrayList<>();
    return readFrom(w, w.afterSeq, all).map(v -> all);
  }

  private Future<Void> readFrom(Window w, long after, List<RawEvent> all) {
    return page(w, after).compose(p -> {
      all.addAll(p.events());
      return p.events().size() < maxPerBatch ? Future.succeededFuture() : readFrom(w, p.lastSeq(), all);
    });
  }

  // ---------------------------------------------------------------- committed events

  private void onCommitted(Message<CommittedGroup> msg) {
    long now = ctx.clock().millis();
    long lastSeq = msg.body().lastSeq();
    for (Accepted a : msg.body().entries()) {
      RawEvent e = a.event();
      WindowKey key = new WindowKey(e.sessionId(), rules.start(e.timestampMs()));
      Window w = open.get(key);
      if (w == null) {
        boolean closed = lastFiring.containsKey(key) || rules.isClosed(key.windowStartMs(), now);
        w = (closed ? late : open).computeIfAbsent(key, Window::new);
      }
      if (w.spilled) {
        w.count++;
        w.uptoSeq = lastSeq;
      } else {
        w.events.add(e);
        held++;
      }
      if (a.screenshot() != null && a.screenshot().ref() != null) {
        w.refs.add(a.screenshot().ref());
      }
    }
    waiting += msg.body().entries().size();
    lastSeqHeard = Math.max(lastSeqHeard, lastSeq);
    if (held > MAX_HELD) {
      // Windows already due go out now rather than at the next tick; only then does a window let go of its events.
      tick();
    }
    while (held > MAX_HELD) {
      spillLargest(lastSeq);
    }
    ctx.metrics().queueDepth("batcher").set(waiting);
  }

  /**
   * Lets the largest window held in memory go of its events: they are committed, so the window keeps only
   * their count and range. Every event of it committed so far has a sequence number at most {@code lastSeq};
   * a window's events before its first (this firing's) have none above the previous firing's range.
   */
  private void spillLargest(long lastSeq) {
    Window largest = null;
    for (Map<WindowKey, Window> windows : List.of(open, late)) {
      for (Window w : windows.values()) {
        if (!w.spilled && (largest == null || w.events.size() > largest.events.size())) {
          largest = w;
        }
      }
    }
    if (largest == null) {
      return;
    }
    LOG.info("{} committed events wait for their windows to close; the window of {} of session {} ({} events) "
      + "will be read back from the database", held, Timestamps.format(largest.key.windowStartMs()),
      largest.key.sessionId(), largest.events.size());
    held -= largest.events.size();
    largest.count = largest.events.size();
    largest.afterSeq = firedUpto.getOrDefault(largest.key, 0L);
    largest.uptoSeq = lastSeq;
    largest.spilled = true;
    largest.events.clear();
    ((ArrayList<RawEvent>) largest.events).trimToSize();
  }

  private void tick() {
    long now = ctx.clock().millis();
    for (Iterator<Window> it = open.values().iterator(); it.hasNext(); ) {
      Window w = it.next();
      if (rules.isClosed(w.key.windowStartMs(), now)) {
        it.remove();
        fire(w, false);
      }
    }
    if (!late.isEmpty()) {
      List<Window> due = new ArrayList<>(late.values());
      late.clear();
      for (Window w : due) {
        fire(w, false);
      }
    }
    lastFiring.keySet().removeIf(k -> rules.firingsForgotten(k.windowStartMs(), now));
    firedUpto.keySet().removeIf(k -> rules.firingsForgotten(k.windowStartMs(), now));
    ctx.metrics().queueDepth("batcher").set(waiting);
    ctx.metrics().windowsOpen().set(open.size());
    flushRecords();
  }

  private void fire(Window w, boolean replayed) {
    long firing = nextFiring(w.key);
    firedUpto.put(w.key, lastSeqHeard);
    waiting -= w.size();
    if (w.spilled) {
      w.uptoSeq = lastSeqHeard;
      Future<Void> emitting = emitPaged(w, firing, firing > 0, replayed)
        .onFailure(err -> LOG.error("window {} of session {} could not be read back for its batch: {}",
          Timestamps.format(w.key.windowStartMs()), w.key.sessionId(), err.getMessage()));
      paging.add(emitting);
      emitting.onComplete(ar -> {
        paging.remove(emitting);
        flushRecords();
      });
    } else {
      held -= w.events.size();
      emit(w, firing, firing > 0, replayed);
    }
  }

  /**
   * Firings of a window count 0, 1, 2… while its last firing is remembered (six hours, also across
   * restarts). A window older than that may have fired before: its firing is then the clock's millisecond,
   * which no earlier firing of it can have used.
   */
  private long nextFiring(WindowKey key) {
    Long last = lastFiring.get(key);
    long now = ctx.clock().millis();
    long firing = last != null ? last + 1 : rules.firingsForgotten(key.windowStartMs(), now) ? now : 0;
    lastFiring.put(key, firing);
    return firing;
  }

  /** Publishes one firing of a window held in memory, in parts of at most {@code max_events_per_batch} events. */
  private void emit(Window w, long firing, boolean isLate, boolean replayed) {
    int n = w.events.size();
    int parts = Math.max(1, (n + maxPerBatch - 1) / maxPerBatch);
    Map<String, ScreenshotRef> refs = refsById(w);
    long emittedAt = ctx.clock().millis();
    long started = System.nanoTime();
    for (int part = 0; part < parts; part++) {
      // The window is dropped once fired: its events are handed over, not copied.
      List<RawEvent> events = EventBatch.handOver(w.events.subList(part * maxPerBatch, Math.min(n, (part + 1) * maxPerBatch)));
      emitPart(w.key, events, refs, part, parts, firing, isLate, replayed, emittedAt, started);
      started = System.nanoTime();
    }
  }

  /**
   * Publishes one firing of a window whose events are in the database only: its parts are read one page at a
   * time (of {@code max_events_per_batch} events) and each published as soon as it is read.
   */
  private Future<Void> emitPaged(Window w, long firing, boolean isLate, boolean replayed) {
    int parts = (int) Math.max(1, (w.count + maxPerBatch - 1) / maxPerBatch);
    long emittedAt = ctx.clock().millis();
    return emitPages(w, 0, parts, w.afterSeq, firing, isLate, replayed, emittedAt);
  }

  private Future<Void> emitPages(Window w, int part, int parts, long after, long firing, boolean isLate,
                                 boolean replayed, long emittedAt) {
    long started = System.nanoTime();
    return page(w, after).compose(p -> {
      List<RawEvent> events = EventBatch.handOver(p.events());
      // The last part takes whatever the database holds beyond the count heard (none, unless a replay races a commit).
      boolean last = part == parts - 1 || events.size() < maxPerBatch;
      emitPart(w.key, events, refsById(w), part, last ? part + 1 : parts, firing, isLate, replayed, emittedAt, started);
      return last ? Future.succeededFuture()
        : emitPages(w, part + 1, parts, p.lastSeq(), firing, isLate, replayed, emittedAt);
    });
  }

  private static Map<String, ScreenshotRef> refsById(Window w) {
    Map<String, ScreenshotRef> refsById = new HashMap<>();
    for (ScreenshotRef r : w.refs) {
      refsById.put(r.screenshotId(), r);
    }
    return refsById;
  }

  private void emitPart(WindowKey key, List<RawEvent> events, Map<String, ScreenshotRef> refsById, int part, int parts,
                        long firing, boolean isLate, boolean replayed, long emittedAt, long started) {
    long start = key.windowStartMs();
    String session = key.sessionId();
    List<ScreenshotRef> refs = new ArrayList<>();
    if (!refsById.isEmpty()) {
      for (RawEvent e : events) {
        if (e.data() instanceof Screenshot s) {
          ScreenshotRef r = refsById.get(s.screenshotId());
          if (r != null) {
            refs.add(r);
          }
        }
      }
    }
    String windowId = windowId(session, start, part, firing);
    EventBatch batch = new EventBatch(windowId, session, start, rules.end(start), part, parts, isLate, replayed, events, refs);
    vertx.eventBus().publish(Addresses.EVENT_BATCH, batch);
    ctx.metrics().batchCreation().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    long encoding = System.nanoTime();
    JsonObject json = EventJson.encode(batch);
    ctx.metrics().batchJson().record(System.nanoTime() - encoding, TimeUnit.NANOSECONDS);
    vertx.eventBus().publish(Addresses.EVENT_BATCH_JSON, json);
    ctx.metrics().batchEmitted(events.size(), replayed);
    records.add(new BatchRecord(windowId, session, start, rules.end(start), part, parts, firing, events.size(),
      refs.size(), isLate, replayed, emittedAt));
    if (!refs.isEmpty()) {
      List<String> ids = new ArrayList<>(refs.size());
      for (ScreenshotRef r : refs) {
        ids.add(r.screenshotId());
      }
      vertx.eventBus().send(InternalAddresses.BATCH_EMITTED, new BatchEmitted(windowId, emittedAt, ids), local);
    }
  }

  /** Stable for (session, window start, part, firing). */
  static String windowId(String session, long start, int part, long firing) {
    return UUID.nameUUIDFromBytes((session + '/' + start + '/' + part + '/' + firing).getBytes(StandardCharsets.UTF_8))
      .toString();
  }

  private void flushRecords() {
    if (records.isEmpty()) {
      return;
    }
    BatchRecords batch = new BatchRecords(records);
    records = new ArrayList<>();
    Future<?> done = vertx.eventBus().request(InternalAddresses.BATCH_RECORDS, batch, local)
      .onFailure(err -> LOG.error("{} batch records not confirmed: {}", batch.records().size(), err.getMessage()));
    recording.add(done);
    done.onComplete(ar -> recording.remove(done));
  }
}
