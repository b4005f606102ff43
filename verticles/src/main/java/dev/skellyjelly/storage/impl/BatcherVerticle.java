package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
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
  /** How long a closed window's last firing number is remembered in memory. */
  private static final long FIRING_MEMORY_MS = 6 * 3_600_000L;

  private final ModuleContext ctx;
  private final DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS);
  private long windowMs;
  private long graceMs;
  private int maxPerBatch;

  private final Map<WindowKey, Window> open = new LinkedHashMap<>();
  private final Map<WindowKey, Window> late = new LinkedHashMap<>();
  private final Map<WindowKey, Long> lastFiring = new HashMap<>();
  private List<BatchRecord> records = new ArrayList<>();
  private final List<Future<?>> recording = new ArrayList<>();
  private long waiting;

  public BatcherVerticle(ModuleContext ctx) {
    this.ctx = ctx;
  }

  /** The events and screenshot references gathered for one firing of a window. */
  private static final class Window {
    final WindowKey key;
    final List<RawEvent> events = new ArrayList<>();
    final List<ScreenshotRef> refs = new ArrayList<>();

    Window(WindowKey key) {
      this.key = key;
    }
  }

  /** The timer period: a window is emitted at most this long after its end plus grace. */
  static long tickMs(StorageConfig config) {
    return Math.max(10, Math.min(1000, config.windowGraceMs() / 2));
  }

  @Override
  public Future<?> start() {
    StorageConfig config = StorageConfig.fromJson(config());
    windowMs = config.batchWindowMs();
    graceMs = config.windowGraceMs();
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
    return Future.join(new ArrayList<>(recording));
  }

  // ---------------------------------------------------------------- start-up

  private Future<Void> replay() {
    return vertx.eventBus().<ReplayPlan>request(InternalAddresses.REPLAY,
        new ReplayRequest(ctx.clock().millis(), windowMs, graceMs), local)
      .compose(reply -> {
        ReplayPlan plan = reply.body();
        for (Firing f : plan.firings()) {
          lastFiring.put(new WindowKey(f.sessionId(), f.windowStartMs()), f.lastFiring());
        }
        if (!plan.due().isEmpty()) {
          LOG.info("replaying {} windows whose committed events were not all emitted", plan.due().size());
        }
        Future<Void> chain = Future.succeededFuture();
        for (WindowKey key : plan.due()) {
          chain = chain.compose(v -> load(key).map(w -> {
            emit(w, nextFiring(key), false, true);
            return (Void) null;
          }));
        }
        for (WindowKey key : plan.open()) {
          if (lastFiring.containsKey(key)) {
            // Emitted in part before (early, by a graceful stop): the loaded events repeat that firing's, so
            // they may only go out marked replayed; later events of the window go to late firings as usual.
            chain = chain.compose(v -> load(key).map(w -> {
              emit(w, nextFiring(key), false, true);
              return (Void) null;
            }));
            continue;
          }
          chain = chain.compose(v -> load(key).map(w -> {
            Window mine = open.computeIfAbsent(key, Window::new);
            mine.events.addAll(w.events);
            mine.refs.addAll(w.refs);
            waiting += w.events.size();
            return (Void) null;
          }));
        }
        return chain;
      })
      .onSuccess(v -> flushRecords());
  }

  private Future<Window> load(WindowKey key) {
    return vertx.eventBus().<WindowEvents>request(InternalAddresses.WINDOW_EVENTS,
        new WindowQuery(key.sessionId(), key.windowStartMs(), key.windowStartMs() + windowMs), local)
      .map(reply -> {
        Window w = new Window(key);
        w.events.addAll(reply.body().events());
        w.refs.addAll(reply.body().refs());
        return w;
      });
  }

  // ---------------------------------------------------------------- committed events

  private void onCommitted(Message<CommittedGroup> msg) {
    long now = ctx.clock().millis();
    for (Accepted a : msg.body().entries()) {
      RawEvent e = a.event();
      WindowKey key = new WindowKey(e.sessionId(), EventRows.windowStart(e.timestampMs(), windowMs));
      Window w = open.get(key);
      if (w == null) {
        boolean closed = lastFiring.containsKey(key) || key.windowStartMs() + windowMs + graceMs <= now;
        w = (closed ? late : open).computeIfAbsent(key, Window::new);
      }
      w.events.add(e);
      if (a.screenshot() != null && a.screenshot().ref() != null) {
        w.refs.add(a.screenshot().ref());
      }
    }
    waiting += msg.body().entries().size();
    ctx.metrics().queueDepth("batcher").set(waiting);
  }

  private void tick() {
    long now = ctx.clock().millis();
    for (Iterator<Window> it = open.values().iterator(); it.hasNext(); ) {
      Window w = it.next();
      if (w.key.windowStartMs() + windowMs + graceMs <= now) {
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
    lastFiring.keySet().removeIf(k -> k.windowStartMs() + windowMs + FIRING_MEMORY_MS < now);
    ctx.metrics().queueDepth("batcher").set(waiting);
    ctx.metrics().windowsOpen().set(open.size());
    flushRecords();
  }

  private void fire(Window w, boolean replayed) {
    long firing = nextFiring(w.key);
    emit(w, firing, firing > 0, replayed);
    waiting -= w.events.size();
  }

  /**
   * Firings of a window count 0, 1, 2… while its last firing is remembered (six hours, also across
   * restarts). A window older than that may have fired before: its firing is then the clock's millisecond,
   * which no earlier firing of it can have used.
   */
  private long nextFiring(WindowKey key) {
    Long last = lastFiring.get(key);
    long now = ctx.clock().millis();
    long firing = last != null ? last + 1 : key.windowStartMs() + windowMs + FIRING_MEMORY_MS < now ? now : 0;
    lastFiring.put(key, firing);
    return firing;
  }

  /** Publishes one firing of a window, in parts of at most {@code max_events_per_batch} events. */
  private void emit(Window w, long firing, boolean isLate, boolean replayed) {
    long started = System.nanoTime();
    long start = w.key.windowStartMs();
    String session = w.key.sessionId();
    int n = w.events.size();
    int parts = Math.max(1, (n + maxPerBatch - 1) / maxPerBatch);
    Map<String, ScreenshotRef> refsById = new HashMap<>();
    for (ScreenshotRef r : w.refs) {
      refsById.put(r.screenshotId(), r);
    }
    long emittedAt = ctx.clock().millis();
    for (int part = 0; part < parts; part++) {
      List<RawEvent> events = w.events.subList(part * maxPerBatch, Math.min(n, (part + 1) * maxPerBatch));
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
      EventBatch batch = new EventBatch(windowId, session, start, start + windowMs, part, parts, isLate, replayed, events, refs);
      vertx.eventBus().publish(Addresses.EVENT_BATCH, batch);
      ctx.metrics().batchCreation().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      long encoding = System.nanoTime();
      JsonObject json = EventJson.encode(batch);
      ctx.metrics().batchJson().record(System.nanoTime() - encoding, TimeUnit.NANOSECONDS);
      vertx.eventBus().publish(Addresses.EVENT_BATCH_JSON, json);
      ctx.metrics().batchEmitted(events.size(), replayed);
      records.add(new BatchRecord(windowId, session, start, start + windowMs, part, parts, firing, events.size(),
        refs.size(), isLate, replayed, emittedAt));
      if (!refs.isEmpty()) {
        List<String> ids = new ArrayList<>(refs.size());
        for (ScreenshotRef r : refs) {
          ids.add(r.screenshotId());
        }
        vertx.eventBus().send(InternalAddresses.BATCH_EMITTED, new BatchEmitted(windowId, emittedAt, ids), local);
      }
      started = System.nanoTime();
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
