package dev.skellyjelly.storage;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The heap's free ratios, raised while anything holds them and put back when nothing does. The module's JVM keeps
 * its heap close to its live size ({@code conf/jvm.options}: {@code MinHeapFreeRatio=15},
 * {@code MaxHeapFreeRatio=35}), which suits a steady load whose objects die young. Some loads keep much alive for a
 * while (a query's answer, a burst of events waiting for the writer and the window); in a heap sized for the steady
 * load what they keep is promoted, and full collections follow one another. Such a load holds the headroom: while
 * one does, HotSpot's manageable ratios are {@link #MIN_FREE}/{@link #MAX_FREE}; once none does they are put back,
 * and the next full collections give the room back. {@code -Xmx}, the bound every budget adds up under, is
 * untouched; a JVM without the flags (or already at these ratios) is left alone. One full collection may also ask
 * for a minimum free ratio of its own while it runs ({@link #collectLeaving}: room made for a screenshot's frame).
 *
 * <p>The ratios belong to the JVM, so there is one of these per JVM ({@link #ofThisJvm()}); thread-safe.
 */
public final class HeapHeadroom {

  public static final int MIN_FREE = 60;
  public static final int MAX_FREE = 85;
  /**
   * The most a collection may ask to leave free ({@link #collectLeaving}): the old generation then grows to at most
   * five times what it keeps alive, and never beyond {@code -Xmx}.
   */
  public static final int MAX_COLLECTION_FLOOR = 80;
  private static final String MIN = "MinHeapFreeRatio";
  private static final String MAX = "MaxHeapFreeRatio";
  private static final Logger LOG = LoggerFactory.getLogger(HeapHeadroom.class);
  private static final HeapHeadroom JVM = new HeapHeadroom();

  private final Set<Object> holders = Collections.newSetFromMap(new IdentityHashMap<>());
  /** The minimum free ratios asked for by the collections running now ({@link #collectLeaving}), one entry each. */
  private final List<Integer> floors = new ArrayList<>();
  /** Looked up on the first change: a module nothing raises loads nothing of JMX for it. */
  private HotSpotDiagnosticMXBean vm;
  /** The ratios the JVM had before anything raised them, read anew at each first raise. */
  private int restingMin;
  private int restingMax;
  /** Whether the ratios are this class's now (the resting ones read); else the resting ones are in force. */
  private boolean applied;
  /** The ratios in force while {@link #applied}. */
  private int setMin;
  private int setMax;

  private HeapHeadroom() {
  }

  public static HeapHeadroom ofThisJvm() {
    return JVM;
  }

  /** {@code holder} needs the room: the ratios are raised unless something holds them already. */
  public synchronized void hold(Object holder) {
    if (holders.add(holder)) {
      apply();
    }
  }

  /** {@code holder} is done: once nothing holds the room, the resting ratios are put back. */
  public synchronized void release(Object holder) {
    if (holders.remove(holder)) {
      apply();
    }
  }

  /**
   * Runs {@code collect}, a full collection, with the minimum free ratio at least {@code minFree} while it runs: the
   * collection leaves at least that share of the old generation free, growing it if need be, where the resting
   * ratio would leave too little for what is about to be allocated there (a screenshot's frame). The ratios are
   * then as they were; the next full collection gives back what is no longer needed. The ratios are not held
   * locked during the collection: what holds or releases meanwhile waits for nothing.
   */
  public void collectLeaving(int minFree, Runnable collect) {
    Integer floor = Math.min(minFree, MAX_COLLECTION_FLOOR);
    synchronized (this) {
      floors.add(floor);
      apply();
    }
    try {
      collect.run();
    } finally {
      synchronized (this) {
        floors.remove(floor);
        apply();
      }
    }
  }

  /** Sets the ratios that what holds them and the running collections ask for; the resting ones when none asks. */
  private void apply() {
    boolean wanted = !holders.isEmpty() || !floors.isEmpty();
    try {
      if (!applied) {
        if (!wanted) {
          return;
        }
        if (vm == null) {
          vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        }
        restingMin = Integer.parseInt(vm.getVMOption(MIN).getValue());
        restingMax = Integer.parseInt(vm.getVMOption(MAX).getValue());
        setMin = restingMin;
        setMax = restingMax;
      }
      int min = restingMin;
      int max = restingMax;
      if (!holders.isEmpty()) {
        min = Math.max(min, MIN_FREE);
        max = Math.max(max, MAX_FREE);
      }
      for (int floor : floors) {
        min = Math.max(min, floor);
        max = Math.max(max, floor);
      }
      // The minimum may never exceed the maximum: the maximum goes up first, and comes down last.
      if (max > setMax) {
        vm.setVMOption(MAX, Integer.toString(max));
      }
      if (min != setMin) {
        vm.setVMOption(MIN, Integer.toString(min));
      }
      if (max < setMax) {
        vm.setVMOption(MAX, Integer.toString(max));
      }
      setMin = min;
      setMax = max;
      applied = wanted;
    } catch (RuntimeException e) {
      LOG.debug("heap free ratios left as they are: {}", e.toString());
    }
  }

  /** Whether {@code holder} holds the room. */
  public synchronized boolean holds(Object holder) {
    return holders.contains(holder);
  }
}
