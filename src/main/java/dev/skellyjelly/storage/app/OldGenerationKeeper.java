package dev.skellyjelly.storage.app;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.skellyjelly.storage.HeapHeadroom;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Full collections run on a worker before an allocation has to run one. Under the serial collector
 * ({@code conf/jvm.options}) a young collection that cannot count on the old generation taking what it promotes runs
 * a full collection instead (15-30 ms), on the thread whose allocation started it: most often the event loop, which
 * allocates most, and whose task then lasts all of it. After each young collection the keeper compares the room left
 * in the old generation with what recent young collections promoted ({@link Policy}); when a few more would fill it,
 * it asks for a full collection on a worker. The worker waits for a quiet moment ({@link Quiet}): a millisecond in
 * which the event loops used no CPU, all of them waiting for input; a collection that begins then holds no task. A
 * young collection often falls inside a burst (a window's batch text, a screenshot just read), and a collection
 * started at once would land in the burst's next task. When full collections crowd all the same ({@link Crowding}:
 * a burst of events, thousands a second, waiting for the writer and their window), the keeper holds the heap's
 * headroom ({@link HeapHeadroom}) until the burst has passed. Room just made for a screenshot's frame is the
 * frame's for a moment ({@link OldGenerationRoom#makeForFrame}): the keeper's collections wait meanwhile.
 *
 * <p>Listens to the JVM's collection notifications (on the JVM's notification thread); under another collector it
 * listens to nothing.
 */
public final class OldGenerationKeeper implements NotificationListener, AutoCloseable {

  /** The serial collector's young collections, as the JVM names them. */
  static final String SERIAL_YOUNG = "Copy";
  /** The serial collector's full collections. */
  static final String SERIAL_FULL = "MarkSweepCompact";
  /** Vert.x's name for its event-loop threads. */
  static final String EVENT_LOOP_THREADS = "vert.x-eventloop-thread-";
  /**
   * The keeper's worker, one thread of its own: the wait for a quiet moment (up to {@link Quiet#MAX_WAIT_NANOS})
   * never holds a thread of the pool the writer's and the screenshots' blocking work share.
   */
  static final String WORKER = "skelly-old-generation";

  private static final Logger LOG = LoggerFactory.getLogger(OldGenerationKeeper.class);

  private final Vertx vertx;
  private final OldGenerationRoom room;
  /** Null when the JVM does not run the serial collector. */
  private final WorkerExecutor worker;
  private final Policy policy = new Policy();
  private final AtomicBoolean pending = new AtomicBoolean();
  private final List<NotificationEmitter> listening = new ArrayList<>();
  private final Crowding crowding = new Crowding();
  private final HeapHeadroom headroom = HeapHeadroom.ofThisJvm();
  /** While the headroom is held: the timer that lets go of it once the burst has passed; guarded by this. */
  private long releaseCheck = -1;

  private OldGenerationKeeper(Vertx vertx, OldGenerationRoom room, WorkerExecutor worker) {
    this.vertx = vertx;
    this.room = room;
    this.worker = worker;
  }

  /** Starts keeping room in this JVM's serial old generation; under another collector the keeper does nothing. */
  public static OldGenerationKeeper start(Vertx vertx) {
    List<NotificationEmitter> serial = new ArrayList<>();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if ((gc.getName().equals(SERIAL_YOUNG) || gc.getName().equals(SERIAL_FULL)) && gc instanceof NotificationEmitter e) {
        serial.add(e);
      }
    }
    OldGenerationKeeper keeper = new OldGenerationKeeper(vertx, OldGenerationRoom.ofThisJvm(),
      serial.isEmpty() ? null : vertx.createSharedWorkerExecutor(WORKER, 1));
    for (NotificationEmitter e : serial) {
      e.addNotificationListener(keeper, null, null);
      keeper.listening.add(e);
    }
    return keeper;
  }

  /** Whether it listens: the JVM runs the serial collector. */
  public boolean active() {
    return !listening.isEmpty();
  }

  @Override
  public void handleNotification(Notification notification, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    MemoryUsage before = info.getGcInfo().getMemoryUsageBeforeGc().get(OldGenerationRoom.SERIAL_OLD);
    MemoryUsage after = info.getGcInfo().getMemoryUsageAfterGc().get(OldGenerationRoom.SERIAL_OLD);
    if (before == null || after == null) {
      return;
    }
    long left = after.getCommitted() - after.getUsed();
    long now = nowMs();
    if (info.getGcName().equals(SERIAL_FULL)) {
      policy.afterFull(left);
      headroom(crowding.afterFull(now));
      return;
    }
    headroom(crowding.afterYoung(now));
    long need = policy.afterYoung(after.getUsed() - before.getUsed(), left);
    if (need > 0 && pending.compareAndSet(false, true)) {
      worker.executeBlocking(() -> {
        Quiet.ofEventLoops().await();
        return room.make(need);
      }, false).onComplete(done -> pending.set(false));
    }
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }

  /**
   * Holds the headroom while {@code crowded}, checking every second whether the burst has passed (young collections
   * stop when nothing is allocated, so a timer, not the next notification, lets go).
   */
  private synchronized void headroom(boolean crowded) {
    if (crowded && releaseCheck < 0) {
      headroom.hold(this);
      LOG.info("full collections crowd ({} within {} ms): the heap keeps {} % free while the burst lasts",
        Crowding.CROWDED, Crowding.CROWDED_WITHIN_MS, HeapHeadroom.MIN_FREE);
      releaseCheck = vertx.setPeriodic(1_000, id -> headroom(crowding.at(nowMs())));
    } else if (!crowded && releaseCheck >= 0) {
      vertx.cancelTimer(releaseCheck);
      releaseCheck = -1;
      headroom.release(this);
      LOG.info("the burst has passed: the heap's resting free ratios are back");
    }
  }

  @Override
  public void close() {
    for (NotificationEmitter e : listening) {
      try {
        e.removeNotificationListener(this);
      } catch (ListenerNotFoundException ignored) {
        // not listening: nothing to remove
      }
    }
    listening.clear();
    headroom(false);
    if (worker != null) {
      worker.close();
    }
  }

  /**
   * When to collect the old generation. The room kept is {@link #PROMOTIONS_AHEAD} times the largest promotion of
   * the last {@link #REMEMBERED} young collections, but never more than half the room the last full collection left,
   * so that a heap whose old generation is small by nature is not collected after every young collection. Used on
   * the JVM's notification thread only.
   */
  static final class Policy {

    static final int REMEMBERED = 8;
    static final int PROMOTIONS_AHEAD = 3;

    private final long[] promoted = new long[REMEMBERED];
    private int next;
    private long roomAfterFull = Long.MAX_VALUE;

    /**
     * A young collection promoted {@code promotedBytes} and left {@code room} in the old generation: the room to
     * make by a full collection now, or 0 when there is enough.
     */
    long afterYoung(long promotedBytes, long room) {
      promoted[next] = Math.max(0, promotedBytes);
      next = (next + 1) % REMEMBERED;
      long largest = 0;
      for (long p : promoted) {
        largest = Math.max(largest, p);
      }
      long keep = Math.min(PROMOTIONS_AHEAD * largest, roomAfterFull / 2);
      return room < keep ? keep : 0;
    }

    /** A full collection left {@code room} in the old generation. */
    void afterFull(long room) {
      roomAfterFull = room;
    }
  }

  /**
   * A quiet moment of the event loops, waited for on a worker: a millisecond at a time until one in which they used
   * no CPU, or at most {@link #MAX_WAIT_NANOS}, after which the collection runs anyway (the old generation's room is
   * for a few young collections, not for an event loop busy without a pause).
   *
   * @param loopCpuNanos the CPU time the event loops have used
   * @param nanoTime     the clock the wait is bounded by
   * @param pause        waits about {@link #STEP_NANOS}
   */
  record Quiet(LongSupplier loopCpuNanos, LongSupplier nanoTime, Runnable pause) {

    static final long STEP_NANOS = 1_000_000;
    static final long MAX_WAIT_NANOS = 250_000_000;

    /** The event loops of this JVM's Vert.x, by their threads' CPU time; blocking: call on a worker. */
    static Quiet ofEventLoops() {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long[] loops = Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds(), 0))
        .filter(t -> t != null && t.getThreadName().startsWith(EVENT_LOOP_THREADS))
        .mapToLong(ThreadInfo::getThreadId).toArray();
      return new Quiet(() -> {
        long sum = 0;
        for (long id : loops) {
          sum += Math.max(0, threads.getThreadCpuTime(id));
        }
        return sum;
      }, System::nanoTime, () -> LockSupport.parkNanos(STEP_NANOS));
    }

    /** Returns once the event loops used no CPU over one step, or the wait's bound passed; true when quiet. */
    boolean await() {
      long until = nanoTime.getAsLong() + MAX_WAIT_NANOS;
      long used = loopCpuNanos.getAsLong();
      while (nanoTime.getAsLong() < until) {
        pause.run();
        long now = loopCpuNanos.getAsLong();
        if (now == used) {
          return true;
        }
        used = now;
      }
      return false;
    }
  }
}
