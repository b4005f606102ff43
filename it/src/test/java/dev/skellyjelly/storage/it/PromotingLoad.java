package dev.skellyjelly.storage.it;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.skellyjelly.storage.app.OldGenerationKeeper;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A JVM whose allocations promote a steady trickle into the old generation, where it dies: the old generation fills
 * with garbage at a known pace, as the module's does with a window's events. {@link OldGenerationKeeperIT} runs it
 * under the module's JVM flags, with the {@link OldGenerationKeeper} or without, and reads what started its full
 * collections.
 *
 * <p>Arguments: {@code keeper} or {@code none}; the young collections to run. Prints one JSON line: the young
 * collections seen, and the full ones after the first {@link #WARM_UP} young ones, by cause.
 */
public final class PromotingLoad {

  /** Young collections before the full ones are counted: the heap's start-up growth is not what is measured. */
  static final int WARM_UP = 20;
  /** Objects kept alive for a while: long enough to be promoted, then garbage in the old generation. */
  private static final int RING = 4096;
  private static final int KEPT_BYTES = 512;
  /** Garbage allocated between two replacements in the ring. */
  private static final int GARBAGE_BYTES = 16 * 1024;

  private PromotingLoad() {
  }

  public static void main(String[] args) throws Exception {
    boolean keep = args[0].equals("keeper");
    int youngWanted = Integer.parseInt(args[1]);
    AtomicInteger young = new AtomicInteger();
    AtomicInteger fullBySystemGc = new AtomicInteger();
    AtomicInteger fullByAllocation = new AtomicInteger();
    AtomicInteger fullOther = new AtomicInteger();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((n, handback) -> {
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (info.getGcAction().equals("end of minor GC")) {
          young.incrementAndGet();
        } else if (young.get() >= WARM_UP) {
          (switch (info.getGcCause()) {
            case "System.gc()" -> fullBySystemGc;
            case "Allocation Failure" -> fullByAllocation;
            default -> fullOther;
          }).incrementAndGet();
        }
      }, null, null);
    }
    Vertx vertx = Vertx.vertx();
    OldGenerationKeeper keeper = keep ? OldGenerationKeeper.start(vertx) : null;
    byte[][] ring = new byte[RING][];
    long sink = 0;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    for (int i = 0; young.get() < youngWanted && System.nanoTime() < deadline; i++) {
      byte[] garbage = new byte[GARBAGE_BYTES];
      sink += garbage.length;
      ring[i % RING] = new byte[KEPT_BYTES];
      if (i % 8 == 0) {
        // About 100 KB a millisecond: a young collection every 50 ms or so, as a steady load makes them.
        LockSupport.parkNanos(1_000_000);
      }
    }
    boolean kept = keeper != null && keeper.active();
    if (keeper != null) {
      keeper.close();
    }
    vertx.close().await();
    System.out.println(new JsonObject().put("keeper", kept).put("young", young.get())
      .put("full_system_gc", fullBySystemGc.get()).put("full_allocation_failure", fullByAllocation.get())
      .put("full_other", fullOther.get()).put("allocated", sink).encode());
  }
}
