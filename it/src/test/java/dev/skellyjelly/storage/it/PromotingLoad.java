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
 * <p>Arguments: {@code keeper} or {@code none}; the young collections to run; {@code steady} (a young collection
 * every 50 ms or so) or {@code burst} (the same pace, four times as much kept for a while: a burst of events
 * waiting for the writer and their window). Prints one JSON line: the young collections seen, the full ones after the first
 * {@link #WARM_UP} young ones, by cause, and the heap's minimum free ratio as the load ended.
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
    boolean burst = args[2].equals("burst");
    int kept = burst ? 4 * KEPT_BYTES : KEPT_BYTES;
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
      ring[i % RING] = new byte[kept];
      if (i % 8 == 0) {
        // About 100 KB a millisecond: a young collection every 50 ms or so.
        LockSupport.parkNanos(1_000_000);
      }
    }
    String minFree = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
      .getVMOption("MinHeapFreeRatio").getValue();
    boolean active = keeper != null && keeper.active();
    if (keeper != null) {
      keeper.close();
    }
    vertx.close().await();
    System.out.println(new JsonObject().put("keeper", active).put("young", young.get())
      .put("full_system_gc", fullBySystemGc.get()).put("full_allocation_failure", fullByAllocation.get())
      .put("full_other", fullOther.get()).put("min_heap_free_ratio", Integer.parseInt(minFree)).put("allocated", sink)
      .encode());
  }
}
