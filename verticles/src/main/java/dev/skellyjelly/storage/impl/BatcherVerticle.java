package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.CommittedGroup;
import dev.skellyjelly.storage.impl.Messages.Firing;
import dev.skellyjelly.storage.impl.Messages.ReplayPlan;
import dev.skellyjelly.storage.impl.Messages.ReplayRequest;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups committed events into event-time windows per session and fires each window once the clock passes
 * its end plus the grace period (publishing is {@link BatchPublisher}'s). Events committed after their window
 * closed go into a later, {@code late} firing of the same window; at start-up, windows whose committed events
 * were not all emitted are emitted again, {@code replayed}.
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
  private SpilledWindowReader reader;
  private BatchPublisher publisher;
  private FiringMemory firings;

  private final Map<WindowKey, Window> open = new LinkedHashMap<>();
  private final Map<WindowKey, Window> late = new LinkedHashMap<>();
  /** The last commit sequence number heard of. */
  private long lastSeqHeard;
  private long waiting;
  /** Events held in memory (windows not spilled). */
  private long held;

  public BatcherVerticle(ModuleContext ctx) {
    this.ctx = ctx;
  }

  /** The timer period: a window is emitted at most this long after its end plus grace. */
  static long tickMs(StorageConfig config) {
    return Math.max(10, Math.min(1000, config.windowGraceMs() / 2));
  }

  @Override
  public Future<?> start() {
    StorageConfig config = StorageConfig.fromJson(config());
    rules = new WindowRules(config.batchWindowMs(), config.windowGraceMs());
    reader = new SpilledWindowReader(vertx.eventBus(), local, config.maxEventsPerBatch());
    publisher = new BatchPublisher(vertx.eventBus(), local, ctx.metrics(), rules, reader);
    firings = new FiringMemory(rules);
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
      fire(w);
    }
    open.clear();
    for (Window w : new ArrayList<>(late.values())) {
      fire(w);
    }
    late.clear();
    waiting = 0;
    return publisher.drained();
  }

  // ---------------------------------------------------------------- start-up

  private Future<Void> replay() {
    return vertx.eventBus().<ReplayPlan>request(InternalAddresses.REPLAY,
        new ReplayRequest(ctx.clock().millis(), rules), local)
      .compose(reply -> {
        ReplayPlan plan = reply.body();
        lastSeqHeard = plan.lastSeq();
        for (Firing f : plan.firings()) {
          firings.recorded(new WindowKey(f.sessionId(), f.windowStartMs()), f.lastFiring());
        }
        if (!plan.due().isEmpty()) {
          LOG.info("replaying {} windows whose committed events were not all emitted", plan.due().size());
        }
        Future<Void> chain = Future.succeededFuture();
        for (WindowKey key : plan.due()) {
          chain = chain.compose(v -> replayStored(key, plan));
        }
        for (WindowKey key : plan.open()) {
          if (firings.hasFired(key)) {
            // Emitted in part before (early, by a graceful stop): the stored events repeat that firing's, so
            // they may only go out marked replayed; later events of the window go to late firings as usual.
            chain = chain.compose(v -> replayStored(key, plan));
            continue;
          }
          chain = chain.compose(v -> reopen(key, plan));
        }
        return chain;
      })
      .onSuccess(v -> publisher.flushRecords());
  }

  /** Emits every committed event of a window, as the database holds them, in a replayed firing. */
  private Future<Void> replayStored(WindowKey key, ReplayPlan plan) {
    Window.Spilled w = Window.Spilled.stored(key, plan.counts().getOrDefault(key, 0L));
    long now = ctx.clock().millis();
    long number = firings.next(key, now, plan.lastSeq());
    return publisher.publishRead(w, WindowFiring.replayed(key, number, now, plan.lastSeq()));
  }

  /** Takes back a window not yet due: read into memory if few enough events to hold, else left spilled. */
  private Future<Void> reopen(WindowKey key, ReplayPlan plan) {
    Window.Spilled w = Window.Spilled.stored(key, plan.counts().getOrDefault(key, 0L));
    open.put(key, w);
    waiting += w.size();
    if (held + w.size() > MAX_HELD) {
      return Future.succeededFuture();
    }
    // Few enough to hold: read them back, and the window goes on gathering in memory.
    return reader.readAll(w, plan.lastSeq()).map(events -> {
      open.put(key, w.hold(events));
      held += events.size();
      return null;
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
        boolean closed = firings.hasFired(key) || rules.isClosed(key.windowStartMs(), now);
        w = (closed ? late : open).computeIfAbsent(key, Window.Held::new);
      }
      if (w instanceof Window.Held h) {
        h.events().add(e);
        held++;
      } else {
        ((Window.Spilled) w).counted();
      }
      if (a.screenshot() != null && a.screenshot().ref() != null) {
        w.refs().add(a.screenshot().ref());
      }
    }
    waiting += msg.body().entries().size();
    lastSeqHeard = Math.max(lastSeqHeard, lastSeq);
    if (held > MAX_HELD) {
      // Windows already due go out now rather than at the next tick; only then does a window let go of its events.
      tick();
    }
    while (held > MAX_HELD) {
      spillLargest();
    }
    ctx.metrics().queueDepth("batcher").set(waiting);
  }

  /**
   * Lets the largest window held in memory go of its events: they are committed, so the window keeps only
   * their count. A window's events before its first (this firing's) have none above the previous firing's
   * sequence bound, and every later one is read back up to the last sequence number heard when it fires.
   */
  private void spillLargest() {
    Map<WindowKey, Window> in = null;
    Window.Held largest = null;
    for (Map<WindowKey, Window> windows : List.of(open, late)) {
      for (Window w : windows.values()) {
        if (w instanceof Window.Held h && (largest == null || h.events().size() > largest.events().size())) {
          largest = h;
          in = windows;
        }
      }
    }
    if (largest == null) {
      return;
    }
    WindowKey key = largest.key();
    LOG.info("{} committed events wait for their windows to close; the window of {} of session {} ({} events) "
      + "will be read back from the database", held, Timestamps.format(key.windowStartMs()),
      key.sessionId(), largest.events().size());
    held -= largest.events().size();
    in.put(key, largest.spill(firings.firedUpto(key)));
  }

  private void tick() {
    long now = ctx.clock().millis();
    for (Iterator<Window> it = open.values().iterator(); it.hasNext(); ) {
      Window w = it.next();
      if (rules.isClosed(w.key().windowStartMs(), now)) {
        it.remove();
        fire(w);
      }
    }
    if (!late.isEmpty()) {
      List<Window> due = new ArrayList<>(late.values());
      late.clear();
      for (Window w : due) {
        fire(w);
      }
    }
    firings.prune(now);
    ctx.metrics().queueDepth("batcher").set(waiting);
    ctx.metrics().windowsOpen().set(open.size());
    publisher.flushRecords();
  }

  /** The window's next firing: every event gathered for it, up to the last commit sequence number heard. */
  private void fire(Window w) {
    long now = ctx.clock().millis();
    long after = w instanceof Window.Spilled s ? s.afterSeq() : firings.firedUpto(w.key());
    long number = firings.next(w.key(), now, lastSeqHeard);
    waiting -= w.size();
    held -= w instanceof Window.Held h ? h.events().size() : 0;
    publisher.publish(w, WindowFiring.closed(w.key(), number, now, after, lastSeqHeard));
  }
}
