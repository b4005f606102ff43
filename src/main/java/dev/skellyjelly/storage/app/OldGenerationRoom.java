package dev.skellyjelly.storage.app;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.function.LongSupplier;

/**
 * Room in the old generation for a screenshot, made on the TCP bridge's worker for large frames rather than wherever
 * the next allocation finds none. A screenshot's frame and its decoded image (a few megabytes) go straight to the old
 * generation of the module's small heap, and under the serial collector ({@code conf/jvm.options}) the allocation that
 * then finds it full runs a full collection (15-30 ms) on its own thread: as often the event loop's as any other's,
 * and the loop's task held for all of it. So before a large frame's buffer is made, and again once the frame is
 * handled (its bytes garbage), the worker asks for a full collection when the old generation has less room than
 * such a frame and its image take; while it runs, the event loop is almost always waiting for input, not in a task.
 *
 * <p>Only for the serial collector's old generation ({@code Tenured Gen}); under any other collector it does nothing.
 * Blocking: call it on the worker only.
 *
 * @param room    the bytes of room the old generation has now; null when the collector is not the serial one
 * @param collect runs a full collection
 */
public record OldGenerationRoom(LongSupplier room, Runnable collect) {

  /** The old generation of the serial collector, the one the module is run with. */
  static final String SERIAL_OLD = "Tenured Gen";

  /** For this JVM: its serial old generation's committed bytes less those used, and {@link System#gc()}. */
  public static OldGenerationRoom ofThisJvm() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getName().equals(SERIAL_OLD)) {
        return new OldGenerationRoom(() -> {
          MemoryUsage usage = pool.getUsage();
          return usage.getCommitted() - usage.getUsed();
        }, System::gc);
      }
    }
    return new OldGenerationRoom(null, () -> { });
  }

  /** The old-generation bytes a large frame of {@code frameBytes} takes while it is read: its bytes and its image's. */
  public static long forFrame(long frameBytes) {
    // A base64 image is 3 bytes for every 4 of text; the rest of a screenshot's frame is a few hundred bytes.
    return frameBytes + frameBytes / 4 * 3;
  }

  /** Runs a full collection when the old generation has less than {@code bytes} of room; true when it did. */
  public boolean make(long bytes) {
    if (room == null || room.getAsLong() >= bytes) {
      return false;
    }
    collect.run();
    return true;
  }
}
