package dev.skellyjelly.storage;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The heap's free ratios, raised while anything holds them and put back when nothing does. The module's JVM keeps
 * its heap close to its live size ({@code conf/jvm.options}: {@code MinHeapFreeRatio=15},
 * {@code MaxHeapFreeRatio=35}), which suits a steady load whose objects die young. Some loads keep much alive for a
 * while (a query's answer, a burst of events waiting for the writer and the window); in a heap sized for the steady
 * load what they keep is promoted, and full collections follow one another. Such a load holds the headroom: while
 * one does, HotSpot's manageable ratios are {@link #MIN_FREE}/{@link #MAX_FREE}; once none does they are put back,
 * and the next full collections give the room back. {@code -Xmx}, the bound every budget adds up under, is
 * untouched; a JVM without the flags (or already at these ratios) is left alone.
 *
 * <p>The ratios belong to the JVM, so there is one of these per JVM ({@link #ofThisJvm()}); thread-safe.
 */
public final class HeapHeadroom {

  public static final int MIN_FREE = 60;
  public static final int MAX_FREE = 85;
  private static final String MIN = "MinHeapFreeRatio";
  private static final String MAX = "MaxHeapFreeRatio";
  private static final Logger LOG = LoggerFactory.getLogger(HeapHeadroom.class);
  private static final HeapHeadroom JVM = new HeapHeadroom();

  private final Set<Object> holders = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Looked up on the first hold: a module nothing raises loads nothing of JMX for it. */
  private HotSpotDiagnosticMXBean vm;
  private String restingMin;
  private String restingMax;
  private boolean raised;

  private HeapHeadroom() {
  }

  public static HeapHeadroom ofThisJvm() {
    return JVM;
  }

  /** {@code holder} needs the room: the ratios are raised unless something holds them already. */
  public synchronized void hold(Object holder) {
    if (!holders.add(holder) || holders.size() > 1) {
      return;
    }
    try {
      if (vm == null) {
        vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      }
      restingMin = vm.getVMOption(MIN).getValue();
      restingMax = vm.getVMOption(MAX).getValue();
      if (Integer.parseInt(restingMin) >= MIN_FREE && Integer.parseInt(restingMax) >= MAX_FREE) {
        return;
      }
      // The minimum may never exceed the maximum: the maximum goes up first, and comes down last.
      vm.setVMOption(MAX, Integer.toString(Math.max(MAX_FREE, Integer.parseInt(restingMax))));
      vm.setVMOption(MIN, Integer.toString(Math.max(MIN_FREE, Integer.parseInt(restingMin))));
      raised = true;
    } catch (RuntimeException e) {
      LOG.debug("heap free ratios left as they are: {}", e.toString());
    }
  }

  /** {@code holder} is done: once nothing holds the room, the resting ratios are put back. */
  public synchronized void release(Object holder) {
    if (!holders.remove(holder) || !holders.isEmpty() || !raised) {
      return;
    }
    raised = false;
    try {
      vm.setVMOption(MIN, restingMin);
      vm.setVMOption(MAX, restingMax);
    } catch (RuntimeException e) {
      LOG.debug("heap free ratios not put back: {}", e.toString());
    }
  }

  /** Whether {@code holder} holds the room. */
  public synchronized boolean holds(Object holder) {
    return holders.contains(holder);
  }
}
