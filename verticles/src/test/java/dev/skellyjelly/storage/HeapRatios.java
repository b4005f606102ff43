package dev.skellyjelly.storage;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * This JVM's heap free ratios, for the tests of what raises them: set to resting values before a test, read as the
 * JVM reports them, and the JVM's own put back after.
 */
public final class HeapRatios {

  private static final HotSpotDiagnosticMXBean VM = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
  private final String min = VM.getVMOption("MinHeapFreeRatio").getValue();
  private final String max = VM.getVMOption("MaxHeapFreeRatio").getValue();

  /** Remembers the JVM's ratios and sets {@code restingMin}/{@code restingMax}. */
  public static HeapRatios resting(String restingMin, String restingMax) {
    HeapRatios ratios = new HeapRatios();
    set(restingMin, restingMax);
    return ratios;
  }

  /** The minimum and maximum free ratios now. */
  public static List<String> now() {
    return List.of(VM.getVMOption("MinHeapFreeRatio").getValue(), VM.getVMOption("MaxHeapFreeRatio").getValue());
  }

  /** Puts back the ratios the JVM had. */
  public void restore() {
    set(min, max);
  }

  private static void set(String min, String max) {
    // The minimum may never exceed the maximum: widen first.
    VM.setVMOption("MaxHeapFreeRatio", "100");
    VM.setVMOption("MinHeapFreeRatio", min);
    VM.setVMOption("MaxHeapFreeRatio", max);
  }
}
