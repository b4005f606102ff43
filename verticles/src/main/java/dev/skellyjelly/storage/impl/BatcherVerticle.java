package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.CommittedGroup;
import dev.skellyjelly.storage.impl.Messages.DeletionRelease;
import dev.skellyjelly.storage.impl.Messages.Firing;
import dev.skellyjelly.storage.impl.Messages.ReplayPlan;
import dev.skellyjelly.storage.impl.Messages.RecordedWindow;
import dev.skellyjelly.storage.impl.Messages.RecordedWindows;
import dev.skellyjelly.storage.impl.Messages.ReplayRequest;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WindowRemoval;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Groups committed events into event-time windows per session and fires each window once the clock passes
 * its end plus the grace period (publishing is {@link BatchPublisher}'s). Events committed after their window
 * closed go into a later, {@code late} firing of the same window; at start-up, windows whose committed events
 * were not all emitted are emitted again, {@code replayed}. Its memory is bounded whatever the input: the
 * windows it records are {@link WindowTable}'s, the rest are swept from the database ({@link WindowSweeps});
 * a tick that closes many windows publishes them {@link #FIRE_PER_TASK} at a time, yielding between.
 */
public final class BatcherVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BatcherVerticle.class);
  private static final long TIMEOUT_MS = 120_000;
  /** Closed windows taken out of the table in one event-loop task at most; the rest wait for the next task. */
  static final int FIRE_PER_TASK = TaskSlice.MAX_ITEMS;
  /** How long a deletion may keep windows from firing, at most (it releases them sooner). */
  private static final long HOLD_MS = 150_000;

  /** A window taken out of the table whose firing is numbered later, of its events in (afterSeq, uptoSeq]. */
  private record Taken(Window window, long afterSeq, long uptoSeq) {
  }

  /** A window taken out of the table with its firing numbered, waiting to be published. */
  private record Due(Window window, WindowFiring firing) {
  }

  private final ModuleContext ctx;
  private final DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS);
  private WindowRules rules;
  private SpilledWindowReader reader;
  private BatchPublisher publisher;
  private FiringMemory firings;
  private WindowSweeps sweeps;
  private final WindowTable table = new WindowTable();
  private final Deque<Due> due = new ArrayDeque<>();
  private boolean publishing;
  private boolean stopping;
  /** Whether closed windows are being taken out of the table, a task at a time. */
  private boolean closing;
  /** By start, the sessions whose windows this closing emits itself: the sweeps skip them. */
  private Map<Long, Set<String>> emitted = new HashMap<>();

  /** Deletions under way, which keep windows from firing; at most until {@link #holdUntilNanos}. */
  private int holds;
  private long holdUntilNanos;
  /** The last commit sequence number heard of. */
  private long lastSeqHeard;
  /** The last commit sequence number heard at the previous tick: late events since are above it. */
  private long lastTickSeq;
  private long waiting;

  /** The heap the batcher's records of windows and the events they hold may take at most, in bytes. */
  public static long heldBoundBytes() {
    return WindowTable.boundBytes();
  }

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
    publisher = new BatchPublisher(vertx.eventBus(), local, ctx.metrics(), rules, reader, ctx.pauses(), ctx.clock());
    firings = new FiringMemory(rules);
    sweeps = new WindowSweeps(vertx, vertx.eventBus(), local, publisher, firings, ctx.clock(), config.maxEventsPerBatch(),
      ctx.metrics()::windowSwept);
    return replay()
      .compose(v -> vertx.eventBus().<CommittedGroup>localConsumer(InternalAddresses.COMMITTED, this::onCommitted).completion())
      .compose(v -> vertx.eventBus().<Object>localConsumer(InternalAddresses.DELETION_HOLD, this::onDeletionHold).completion())
      .compose(v -> vertx.eventBus().<DeletionRelease>localConsumer(InternalAddresses.DELETION_RELEASE,
        this::onDeletionRelease).completion())
      .onSuccess(v -> vertx.setPeriodic(tickMs(config), id -> tick()));
  }

  /** Emits every open window and pending late firing now, and waits until their records are committed. */
  @Override
  public Future<?> stop() {
    return ctx.shutdown().stop(vertx, ShutdownSequence.Stage.BATCHER, this::drain);
  }

  private Future<?> drain() {
    stopping = true;
    Promise<Void> closed = Promise.promise();
    closeAll(closed);
    return closed.future().compose(v -> sweeps.idle()).compose(v -> published()).transform(ar -> publisher.drained());
  }

  /** For a stop: every open window, {@link #FIRE_PER_TASK} a task, then the late ones and every sweep marked. */
  private void closeAll(Promise<Void> closed) {
    long now = ctx.clock().millis();
    List<Window> taken = table.takeOpen(FIRE_PER_TASK);
    queueAll(taken, now);
    publishSome();
    if (taken.size() == FIRE_PER_TASK) {
      vertx.runOnContext(v -> closeAll(closed));
      return;
    }
    finish(now, true);
    waiting = 0;
    closed.complete();
  }

  // ---------------------------------------------------------------- start-up

  private Future<Void> replay() {
    return vertx.eventBus().<ReplayPlan>request(InternalAddresses.REPLAY,
        new ReplayRequest(ctx.clock().millis(), rules), local)
      .compose(reply -> {
        ReplayPlan plan = reply.body();
        lastSeqHeard = plan.lastSeq();
        lastTickSeq = plan.lastSeq();
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

  /** Emits every committed event of a window, as the database holds it, in a replayed firing. */
  private Future<Void> replayStored(WindowKey key, ReplayPlan plan) {
    Window.Spilled w = Window.Spilled.stored(key, plan.counts().getOrDefault(key, 0L));
    long now = ctx.clock().millis();
    long number = firings.next(key, now, plan.lastSeq());
    return publisher.publishRead(w, WindowFiring.replayed(key, number, now, plan.lastSeq()));
  }

  /**
   * Takes back a window not yet due: read into memory if few enough events to hold, else recorded as spilled;
   * past the table's bound not recorded at all, and swept from the database when its start closes.
   */
  private Future<Void> reopen(WindowKey key, ReplayPlan plan) {
    if (!table.hasRoom() || sweeps.unrecorded(key.windowStartMs(), false)) {
      sweeps.markOpen(key.windowStartMs());
      return Future.succeededFuture();
    }
    Window.Spilled w = Window.Spilled.stored(key, plan.counts().getOrDefault(key, 0L));
    waiting += w.size();
    if (!table.canHold(w.size())) {
      table.addStored(w);
      return Future.succeededFuture();
    }
    // Few enough to hold: read them back, and the window goes on gathering in memory.
    return reader.readAll(w, plan.lastSeq()).map(events -> {
      table.addStored(w.hold(events));
      return null;
    });
  }

  // ---------------------------------------------------------------- committed events

  private void onCommitted(Message<CommittedGroup> msg) {
    long now = ctx.clock().millis();
    if (table.oldestOpenClosed(rules, now)) {
      // Fired now, before this group joins the table, not up to a tick later: a fast producer's windows would pile
      // up in memory between two ticks and let go of their events, to be read back from the database.
      closeWhenFree();
    }
    for (Accepted a : msg.body().entries()) {
      RawEvent e = a.event();
      long start = rules.start(e.timestampMs());
      WindowKey key = new WindowKey(e.sessionId(), start);
      Window w = table.find(key);
      if (w == null) {
        boolean late = firings.hasFired(key) || rules.isClosed(start, now);
        if (sweeps.unrecorded(start, late) || !table.hasRoom()) {
          // Committed, so the database has it: the sweep of its start emits it.
          if (late) {
            sweeps.markLate(start);
          } else {
            sweeps.markOpen(start);
          }
          continue;
        }
        w = table.add(key, late);
      }
      table.add(w, e, a.screenshot() != null ? a.screenshot().ref() : null, firings.firedUpto(key));
      waiting++;
    }
    lastSeqHeard = Math.max(lastSeqHeard, msg.body().lastSeq());
    gauges();
  }

  // ---------------------------------------------------------------- deletion

  /** A deletion begins: no window fires until it is released (or {@link #HOLD_MS} passed); says what it records. */
  private void onDeletionHold(Message<Object> msg) {
    holds++;
    holdUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_MS);
    List<RecordedWindow> windows = table.recorded();
    for (Due d : due) {
      windows.add(new RecordedWindow(d.window().key(), d.window() instanceof Window.Spilled,
        d.window() instanceof Window.Spilled s ? s.afterSeq() : 0));
    }
    msg.reply(new RecordedWindows(windows), local);
  }

  /** A deletion is committed: its events leave the windows (a firing left empty is dropped), and firing resumes. */
  private void onDeletionRelease(Message<DeletionRelease> msg) {
    holds = Math.max(0, holds - 1);
    Map<WindowKey, WindowRemoval> byKey = new HashMap<>();
    for (WindowRemoval r : msg.body().removals()) {
      byKey.put(r.key(), r);
    }
    waiting -= table.remove(msg.body().removals());
    due.removeIf(d -> {
      WindowRemoval r = byKey.get(d.window().key());
      if (r != null) {
        table.strip(d.window(), r, false);
      }
      return d.window().size() == 0 && d.window().refs().isEmpty();
    });
    gauges();
    msg.reply(Boolean.TRUE, local);
  }

  private boolean holding() {
    return holds > 0 && System.nanoTime() - holdUntilNanos < 0;
  }

  // ---------------------------------------------------------------- firing

  private void tick() {
    closeWhenFree();
    firings.prune(ctx.clock().millis());
    gauges();
    publisher.flushRecords();
  }

  /** Starts taking closed windows out of the table unless that is under way, the batcher stops or a deletion holds. */
  private void closeWhenFree() {
    if (!closing && !stopping && !holding()) {
      closing = true;
      closeSome();
    }
  }

  /**
   * Takes up to {@link #FIRE_PER_TASK} closed windows out of the table and numbers their firings; the rest in
   * later tasks, so that a tick closing thousands of windows never holds the event loop long. (An event committed
   * meanwhile for a window not yet taken joins that firing.) The last task goes on to the late windows and sweeps.
   */
  private void closeSome() {
    if (stopping) {
      // The stop takes every window itself; a pass it interrupted would sweep with half the sessions to skip.
      return;
    }
    long now = ctx.clock().millis();
    List<Window> closed = table.takeClosed(rules, now, FIRE_PER_TASK);
    queueAll(closed, now);
    publishSome();
    if (closed.size() == FIRE_PER_TASK) {
      vertx.runOnContext(v -> closeSome());
      return;
    }
    closing = false;
    finish(now, false);
  }

  private void queueAll(List<Window> closed, long now) {
    for (Window w : closed) {
      emitted.computeIfAbsent(w.key().windowStartMs(), s -> new HashSet<>()).add(w.key().sessionId());
      queue(w, now);
    }
  }

  /**
   * Queues the late windows' firings and the sweeps due, which skip the sessions emitted here. {@code all}: a
   * stop, which sweeps every marked start, closed or not.
   */
  private void finish(long now, boolean all) {
    List<Window> late = table.takeLate();
    for (Window w : late) {
      emitted.computeIfAbsent(w.key().windowStartMs(), s -> new HashSet<>()).add(w.key().sessionId());
    }
    if (!late.isEmpty()) {
      // A window the firing memory let go of may have fired: its last number comes from the database first. What
      // each firing holds is settled now, as the window leaves the table: events committed before the number
      // comes belong to the window's next firing, not to this one as well (read back, it would hold them too).
      List<WindowKey> forgotten = firings.mayHaveForgotten(late, now);
      List<Taken> taken = new ArrayList<>(late.size());
      for (Window w : late) {
        taken.add(new Taken(w, after(w), lastSeqHeard));
        firings.underWay(w.key(), lastSeqHeard);
      }
      sweeps.then(() -> sweeps.lookUpFirings(forgotten).map(v -> {
        long at = ctx.clock().millis();
        taken.forEach(t -> queue(t.window(), at, t.afterSeq(), t.uptoSeq()));
        publishSome();
        return null;
      }));
    }
    sweeps.sweepDue(rules, now, all, lastTickSeq, lastSeqHeard, emitted);
    emitted = new HashMap<>();
    lastTickSeq = lastSeqHeard;
    publishSome();
  }

  /** Numbers the window's next firing now: every event gathered for it, up to the last sequence number heard. */
  private void queue(Window w, long now) {
    queue(w, now, after(w), lastSeqHeard);
  }

  /** Numbers the window's next firing, of its events in ({@code afterSeq}, {@code uptoSeq}]. */
  private void queue(Window w, long now, long afterSeq, long uptoSeq) {
    long number = firings.next(w.key(), now, uptoSeq);
    waiting -= w.size();
    due.addLast(new Due(w, WindowFiring.closed(w.key(), number, now, afterSeq, uptoSeq)));
  }

  /** Where the window's next firing begins: its events above the last firing's bound. */
  private long after(Window w) {
    return w instanceof Window.Spilled s ? s.afterSeq() : firings.firedUpto(w.key());
  }

  /** Publishes the queued firings one {@link TaskSlice} at a time. */
  private void publishSome() {
    TaskSlice slice = new TaskSlice();
    while (!due.isEmpty() && slice.next()) {
      Due d = due.pollFirst();
      publisher.publish(d.window(), d.firing());
    }
    if (due.isEmpty() || publishing) {
      return;
    }
    publishing = true;
    vertx.runOnContext(v -> {
      publishing = false;
      publishSome();
    });
  }

  /** Completes once every queued firing is published. */
  private Future<Void> published() {
    Promise<Void> done = Promise.promise();
    publishAll(done);
    return done.future();
  }

  private void publishAll(Promise<Void> done) {
    if (due.isEmpty()) {
      done.complete();
      return;
    }
    publishSome();
    vertx.runOnContext(v -> publishAll(done));
  }

  private void gauges() {
    ctx.metrics().queueDepth("batcher").set(waiting);
    ctx.metrics().windowsOpen().set(table.openWindows());
    ctx.metrics().batcherHeldEvents().set(table.heldEvents());
    ctx.metrics().batcherHeldBytes().set(table.bytes());
  }
}
