package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** What the JSON tests measure of allocation, and the window they measure it on. */
final class Allocated {

  private Allocated() {
  }

  /**
   * The bytes the current thread allocates running {@code work}, the least of five runs (the first may load
   * classes). Skips the calling test where the JVM cannot tell.
   */
  static long bytes(Runnable work) {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
    assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
    long tid = Thread.currentThread().getId();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long before = mx.getThreadAllocatedBytes(tid);
      work.run();
      least = Math.min(least, mx.getThreadAllocatedBytes(tid) - before);
    }
    return least;
  }

  /** A window of 30 000 events, one a millisecond, cycling through {@code pattern}. */
  static List<RawEvent> window(List<RawEvent> pattern) {
    List<RawEvent> events = new ArrayList<>(30_000);
    for (int i = 0; i < 30_000; i++) {
      RawEvent e = pattern.get(i % pattern.size());
      events.add(new RawEvent(e.id(), e.sessionId(), JsonFormTest.TS + i, e.data()));
    }
    return events;
  }
}
