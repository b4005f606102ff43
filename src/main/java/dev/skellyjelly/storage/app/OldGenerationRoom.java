package dev.skellyjelly.storage.app;

import dev.skellyjelly.storage.HeapHeadroom;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Room in the old generation for a screenshot, made on the TCP bridge's worker for large frames rather than wherever
 * the next allocation finds none. A screenshot's frame and its decoded image (a few megabytes) end in the old
 * generation of the module's small heap, and under the serial collector ({@code conf/jvm.options}) the allocation that
 * then finds it full runs a full collection (15-30 ms) on its own thread: as often the event loop's as any other's,
 * and the loop's task held for all of it. So before a large frame's buffer is made the worker asks for a full
 * collection when the old generation has less room than such a frame and its image take, one that leaves that much
 * free and {@link #FRAME_MARGIN} more ({@link #makeForFrame}, {@link HeapHeadroom#collectLeaving}): at the resting
 * free ratio it left about 2 MB, and one or two more full collections followed within 70 ms. While it
 * runs, the event loop waits for that frame. For {@link #FRAME_NANOS} after, the room is the frame's: the keeper's
 * collections ({@link #make}) wait, which would start as soon as the frame's bytes are promoted and size the old
 * generation by the resting ratio again before its image is. Then the keeper goes on as it would, and its next
 * collection takes back the frame's bytes and the room (at once: {@code -XX:-ShrinkHeapInSteps}).
 *
 * <p>One per JVM ({@link #ofThisJvm()}), shared by the bridge and the keeper; for the serial collector's old
 * generation ({@code Tenured Gen}) only, under any other collector it does nothing. Blocking: call it on a worker only.
 */
public final class OldGenerationRoom {

  /** The old generation of the serial collector, the one the module is run with. */
  static final String SERIAL_OLD = "Tenured Gen";

  /** What a full collection is taken to keep alive at least: the module's own classes' objects, a few megabytes. */
  static final long KEPT_AT_LEAST = 4L << 20;

  /** Room left beside a frame's for what the rest of the module promotes while the frame is read and handled. */
  static final long FRAME_MARGIN = 1L << 20;

  /**
   * How long the room made for a frame is the frame's: a screenshot's frame is read and its image decoded in a few
   * tens of milliseconds, and both are promoted by the young collections of the next second or so; a peer that takes
   * longer (a slow or hostile one) has the keeper wait no longer than this.
   */
  static final long FRAME_NANOS = TimeUnit.SECONDS.toNanos(2);

  private static final OldGenerationRoom JVM = ofPools();

  private final LongSupplier room;
  private final LongConsumer collect;
  private final LongSupplier nanoTime;
  /** Until when (a {@link #nanoTime} value) the room is a frame's; guarded by this. */
  private long frameUntil;
  /** Large frames given room so far ({@link #makeForFrame}). */
  private long framesGivenRoom;

  /**
   * @param room     the bytes of room the old generation has now; null when the collector is not the serial one
   * @param collect  runs a full collection, given the bytes it is to leave free (0: as the resting ratios leave)
   * @param nanoTime the clock a frame's room is kept by
   */
  OldGenerationRoom(LongSupplier room, LongConsumer collect, LongSupplier nanoTime) {
    this.room = room;
    this.collect = collect;
    this.nanoTime = nanoTime;
    this.frameUntil = nanoTime.getAsLong();
  }

  /** This JVM's. */
  public static OldGenerationRoom ofThisJvm() {
    return JVM;
  }

  /**
   * This JVM's serial old generation: its committed bytes less those used; {@link System#gc()}, with the free ratio
   * {@link #minFreeFor} what the last full collection kept when it is to leave room.
   */
  private static OldGenerationRoom ofPools() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getName().equals(SERIAL_OLD)) {
        return new OldGenerationRoom(() -> {
          MemoryUsage usage = pool.getUsage();
          return usage.getCommitted() - usage.getUsed();
        }, bytes -> {
          if (bytes == 0) {
            System.gc();
            return;
          }
          MemoryUsage kept = pool.getCollectionUsage();
          HeapHeadroom.ofThisJvm().collectLeaving(minFreeFor(bytes, kept == null ? 0 : kept.getUsed()), System::gc);
        }, System::nanoTime);
      }
    }
    return new OldGenerationRoom(null, bytes -> { }, System::nanoTime);
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
   * The keeper's: runs a full collection, as the resting ratios size the old generation, when it has less than
   * {@code bytes} of room and no frame's room is being used; true when it did.
   */
  public boolean make(long bytes) {
    synchronized (this) {
      if (nanoTime.getAsLong() - frameUntil < 0) {
        return false;
      }
    }
    return collectIfShort(bytes, 0);
  }

  /**
   * Before a large frame of {@code frameBytes} is read: when the old generation has less room than the frame takes
   * ({@link #forFrame}) and {@link #FRAME_MARGIN}, runs a full collection that leaves that room; the room is the
   * frame's for {@link #FRAME_NANOS}. A frame that takes less than the margin (an array of events, tens of kilobytes)
   * is no reason to grow the old generation or keep the keeper waiting: room for it is made as the keeper makes it.
   * True when it collected.
   */
  public boolean makeForFrame(long frameBytes) {
    long bytes = forFrame(frameBytes);
    if (bytes < FRAME_MARGIN) {
      return collectIfShort(bytes, 0);
    }
    bytes += FRAME_MARGIN;
    boolean collected = collectIfShort(bytes, bytes);
    synchronized (this) {
      frameUntil = nanoTime.getAsLong() + FRAME_NANOS;
      framesGivenRoom++;
    }
    return collected;
  }

  /** How many large frames were given room, the keeper's collections waiting for each. */
  public synchronized long framesGivenRoom() {
    return framesGivenRoom;
  }

  private boolean collectIfShort(long bytes, long leaving) {
    if (room == null || room.getAsLong() >= bytes) {
      return false;
    }
    collect.accept(leaving);
    return true;
  }
}
