package dev.skellyjelly.storage.app;

import dev.skellyjelly.storage.HeapHeadroom;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Room in the old generation for a screenshot, made on the TCP bridge's worker for large frames rather than wherever
 * the next allocation finds none. A screenshot's frame and its decoded image (a few megabytes) end in the old
 * generation of the module's small heap, and under the serial collector ({@code conf/jvm.options}) the allocation that
 * then finds it full runs a full collection (15-30 ms) on its own thread: as often the event loop's as any other's,
 * and the loop's task held for all of it. So before a large frame's buffer is made the worker asks for a full
 * collection when the old generation has less room than such a frame and its image take, one that leaves that much
 * free ({@link HeapHeadroom#collectLeaving}): at the resting free ratio it left about 2 MB, and the frame's own
 * allocations ran two more full collections within 50 ms. While it runs, the event loop waits for that frame; the
 * frame's bytes, garbage once it is read, are left to the keeper's next collection at a quiet moment.
 *
 * <p>Only for the serial collector's old generation ({@code Tenured Gen}); under any other collector it does nothing.
 * Blocking: call it on a worker only.
 *
 * @param room    the bytes of room the old generation has now; null when the collector is not the serial one
 * @param collect runs a full collection that leaves at least the given bytes free
 */
public record OldGenerationRoom(LongSupplier room, LongConsumer collect) {

  /** The old generation of the serial collector, the one the module is run with. */
  static final String SERIAL_OLD = "Tenured Gen";

  /** What a full collection is taken to keep alive at least: the module's own classes' objects, a few megabytes. */
  static final long KEPT_AT_LEAST = 4L << 20;

  /**
   * For this JVM: its serial old generation's committed bytes less those used, and {@link System#gc()} with the free
   * ratio {@link #minFreeFor} what the last full collection kept.
   */
  public static OldGenerationRoom ofThisJvm() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getName().equals(SERIAL_OLD)) {
        return new OldGenerationRoom(() -> {
          MemoryUsage usage = pool.getUsage();
          return usage.getCommitted() - usage.getUsed();
        }, bytes -> {
          MemoryUsage kept = pool.getCollectionUsage();
          HeapHeadroom.ofThisJvm().collectLeaving(minFreeFor(bytes, kept == null ? 0 : kept.getUsed()), System::gc);
        });
      }
    }
    return new OldGenerationRoom(null, bytes -> { });
  }

  /**
   * The minimum free ratio, in percent, at which a full collection that keeps {@code kept} bytes alive leaves
   * {@code bytes} free: the collector sizes the old generation to keep that share of it free. What the last full
   * collection kept stands for what this one will (at least {@link #KEPT_AT_LEAST}); keeping more, it leaves more.
   */
  static int minFreeFor(long bytes, long kept) {
    long alive = Math.max(kept, KEPT_AT_LEAST);
    return (int) Math.min(100, (100 * bytes + alive + bytes - 1) / (alive + bytes));
  }

  /** The old-generation bytes a large frame of {@code frameBytes} takes while it is read: its bytes and its image's. */
  public static long forFrame(long frameBytes) {
    // A base64 image is 3 bytes for every 4 of text; the rest of a screenshot's frame is a few hundred bytes.
    return frameBytes + frameBytes / 4 * 3;
  }

  /**
   * Runs a full collection, one that leaves {@code bytes} free, when the old generation has less room than that;
   * true when it did.
   */
  public boolean make(long bytes) {
    if (room == null || room.getAsLong() >= bytes) {
      return false;
    }
    collect.accept(bytes);
    return true;
  }
}
