package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.impl.Messages.Firing;
import dev.skellyjelly.storage.impl.Messages.FiringsQuery;
import dev.skellyjelly.storage.impl.Messages.LastFirings;
import dev.skellyjelly.storage.impl.Messages.SweepPage;
import dev.skellyjelly.storage.impl.Messages.SweepQuery;
import dev.skellyjelly.storage.impl.Messages.WindowEvents;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Emits the windows the batcher kept no record of (past {@link WindowTable}'s bound) straight from the
 * database: when their start closes, a sweep reads that start's windows page by page, skipping those the
 * batcher emitted itself, and publishes each. It marks which starts need one: an open start once a window of
 * it went unrecorded (then every new window of that start does, until its sweep is done), a closed start
 * when a late event of it went unrecorded (swept from the last tick's sequence number on). Sweeps, and the
 * batcher's late firings that must look up a forgotten firing number, run one after another: each firing of
 * a window is numbered after the one before.
 */
final class WindowSweeps {

  /** Its log lines are the batcher's, under the batcher's name. */
  private static final Logger LOG = LoggerFactory.getLogger(BatcherVerticle.class);

  private final EventBus bus;
  private final DeliveryOptions local;
  private final BatchPublisher publisher;
  private final FiringMemory firings;
  private final InstantSource clock;
  private final int pageEvents;
  private final Runnable onSwept;
  /** Open starts with windows not recorded. */
  private final Set<Long> openStarts = new TreeSet<>();
  /** Starts whose sweep at their close is queued or running: their late events go unrecorded too. */
  private final Set<Long> sweeping = new HashSet<>();
  /** Closed starts with late events not recorded since the last tick. */
  private final Set<Long> lateStarts = new HashSet<>();
  private final Vertx vertx;
  private final Deque<Supplier<Future<Void>>> jobs = new ArrayDeque<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private boolean running;
  private long loggedStart = Long.MIN_VALUE;

  WindowSweeps(Vertx vertx, EventBus bus, DeliveryOptions local, BatchPublisher publisher, FiringMemory firings,
               InstantSource clock, int pageEvents, Runnable onSwept) {
    this.vertx = vertx;
    this.bus = bus;
    this.local = local;
    this.publisher = publisher;
    this.firings = firings;
    this.clock = clock;
    this.pageEvents = pageEvents;
    this.onSwept = onSwept;
  }

  /** Whether a new window of this start, open or late, goes unrecorded whatever room the table has. */
  boolean unrecorded(long start, boolean late) {
    return late ? sweeping.contains(start) || lateStarts.contains(start) : openStarts.contains(start);
  }

  /** A window of an open start was not recorded: the start is swept when it closes. */
  void markOpen(long start) {
    if (openStarts.add(start) && start != loggedStart) {
      loggedStart = start;
      LOG.info("the batcher keeps a record of {} windows at most; further windows of {} will be read from the "
        + "database when it closes", WindowTable.MAX_WINDOWS, Timestamps.format(start));
    }
  }

  /** A late event of a closed start was not recorded: the start is swept at the next tick. */
  void markLate(long start) {
    lateStarts.add(start);
  }

  /**
   * Queues the sweeps due: of the marked open starts that are closed ({@code all}: every one, for a stop),
   * events up to {@code uptoSeq}; of the starts with unrecorded late events, those after {@code lastTickSeq}.
   * {@code emitted} holds, by start, the sessions whose windows the batcher emits itself now. A start swept whole
   * now needs no late sweep as well: its late events since the last tick (committed between its close and this
   * tick, while it was still marked open) are within the whole sweep's range, and would go out twice.
   */
  void sweepDue(WindowRules rules, long nowMs, boolean all, long lastTickSeq, long uptoSeq,
                Map<Long, Set<String>> emitted) {
    for (Iterator<Long> it = openStarts.iterator(); it.hasNext(); ) {
      long start = it.next();
      if (all || rules.isClosed(start, nowMs)) {
        it.remove();
        lateStarts.remove(start);
        sweeping.add(start);
        Set<String> skip = emitted.getOrDefault(start, Set.of());
        then(() -> sweep(start, 0, uptoSeq, skip).onComplete(ar -> sweeping.remove(start)));
      }
    }
    for (long start : lateStarts) {
      Set<String> skip = emitted.getOrDefault(start, Set.of());
      then(() -> sweep(start, lastTickSeq, uptoSeq, skip));
    }
    lateStarts.clear();
  }

  /** Runs {@code job} once every sweep and job queued before it is done (failed ones are logged). */
  void then(Supplier<Future<Void>> job) {
    jobs.addLast(job);
    runNext();
  }

  /** Completes once every queued sweep and job is done. */
  Future<Void> idle() {
    if (!running && jobs.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> idle = Promise.promise();
    idleWaiters.add(idle);
    return idle.future();
  }

  /**
   * Starts the next job once the last is done. Each starts in a task of its own: a long queue of jobs never
   * completes one inside another, however many wait (a chain of futures would, as deep as the queue is long).
   */
  private void runNext() {
    if (running) {
      return;
    }
    if (jobs.isEmpty()) {
      List<Promise<Void>> waiting = new ArrayList<>(idleWaiters);
      idleWaiters.clear();
      waiting.forEach(Promise::tryComplete);
      return;
    }
    running = true;
    Supplier<Future<Void>> job = jobs.pollFirst();
    vertx.runOnContext(v -> {
      Future<Void> done;
      try {
        done = job.get();
      } catch (RuntimeException e) {
        done = Future.failedFuture(e);
      }
      done.onComplete(ar -> {
        running = false;
        runNext();
      });
    });
  }

  /** Reads the last firing numbers of {@code keys} from the database into the firing memory. */
  Future<Void> lookUpFirings(List<WindowKey> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    return bus.<LastFirings>request(InternalAddresses.LAST_FIRINGS, new FiringsQuery(keys), local).map(reply -> {
      for (Firing f : reply.body().firings()) {
        firings.recorded(new WindowKey(f.sessionId(), f.windowStartMs()), f.lastFiring());
      }
      return null;
    });
  }

  /** Emits, page by page, the windows of {@code start} with events in (afterSeq, uptoSeq]. */
  private Future<Void> sweep(long start, long afterSeq, long uptoSeq, Set<String> skip) {
    Promise<Void> done = Promise.promise();
    sweepFrom(start, 0, afterSeq, uptoSeq, skip, done);
    return done.future()
      .onFailure(err -> LOG.error("windows of {} could not be read from the database for their batches: {}",
        Timestamps.format(start), err.getMessage()));
  }

  /** One page after the session key {@code afterKey}, then the next from the reply's handler: pages never nest. */
  private void sweepFrom(long start, long afterKey, long afterSeq, long uptoSeq, Set<String> skip,
                         Promise<Void> done) {
    SweepQuery query = new SweepQuery(start, afterKey, afterSeq, uptoSeq, pageEvents);
    bus.<SweepPage>request(InternalAddresses.WINDOW_SWEEP, query, local)
      .compose(reply -> {
        SweepPage page = reply.body();
        for (Firing f : page.firings()) {
          firings.recorded(new WindowKey(f.sessionId(), f.windowStartMs()), f.lastFiring());
        }
        return publishWindows(page.windows(), 0, start, afterSeq, uptoSeq, skip).compose(v -> {
          if (page.large() == null || skip.contains(page.large())) {
            return Future.succeededFuture(page.nextKey());
          }
          WindowKey key = new WindowKey(page.large(), start);
          onSwept.run();
          return publisher.publishRead(Window.Spilled.range(key, afterSeq, page.largeCount()),
            fire(key, clock.millis(), afterSeq, uptoSeq)).map(page.nextKey());
        });
      })
      .onSuccess(next -> {
        if (next == null) {
          done.complete();
        } else {
          sweepFrom(start, next, afterSeq, uptoSeq, skip, done);
        }
      })
      .onFailure(done::fail);
  }

  /**
   * Publishes a page's windows from {@code from} on, one {@link TaskSlice} in one event-loop task and the rest in
   * the tasks after it, as a tick publishes the windows it closes.
   */
  private Future<Void> publishWindows(List<WindowEvents> windows, int from, long start, long afterSeq, long uptoSeq,
                                      Set<String> skip) {
    long now = clock.millis();
    TaskSlice slice = new TaskSlice();
    int to = from;
    while (to < windows.size() && slice.next()) {
      WindowEvents w = windows.get(to++);
      if (!skip.contains(w.sessionId())) {
        WindowKey key = new WindowKey(w.sessionId(), start);
        Window.Held held = new Window.Held(key, new ArrayList<>(w.events()), new ArrayList<>(w.refs()));
        publisher.publish(held, fire(key, now, afterSeq, uptoSeq));
        onSwept.run();
      }
    }
    if (to == windows.size()) {
      return Future.succeededFuture();
    }
    Promise<Void> rest = Promise.promise();
    int next = to;
    vertx.runOnContext(v -> publishWindows(windows, next, start, afterSeq, uptoSeq, skip).onComplete(rest));
    return rest.future();
  }

  private WindowFiring fire(WindowKey key, long now, long afterSeq, long uptoSeq) {
    return WindowFiring.closed(key, firings.next(key, now, uptoSeq), now, afterSeq, uptoSeq);
  }
}
