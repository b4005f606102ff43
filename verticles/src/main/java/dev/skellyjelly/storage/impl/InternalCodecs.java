package dev.skellyjelly.storage.impl;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The codec of an internal message: the object itself is passed, and it never leaves the JVM (every
 * internal consumer and delivery is local-only).
 */
public final class InternalCodecs<T> implements MessageCodec<T, T> {

  private final String name;

  private InternalCodecs(Class<T> type) {
    this.name = "skelly.internal." + type.getSimpleName();
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new IllegalStateException(name + " is local only");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException(name + " is local only");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  /** Registers the internal message codecs unless they already are. */
  public static synchronized void ensureRegistered(Vertx vertx) {
    for (Class<?> type : new Class<?>[]{Messages.WriteGroup.class, Messages.CommitReceipt.class,
      Messages.CommittedGroup.class, Messages.BatchRecords.class, Messages.ReplayRequest.class,
      Messages.ReplayPlan.class, Messages.WindowQuery.class, Messages.WindowEvents.class, Messages.StoreScreenshot.class, Messages.BatchEmitted.class,
      Messages.ScreenshotDeletions.class, Messages.DuplicateScreenshots.class, Messages.RawEventGroup.class,
      Messages.SweepQuery.class, Messages.SweepPage.class, Messages.FiringsQuery.class, Messages.LastFirings.class,
      Messages.PauseRecord.class, Messages.RecordedWindows.class, Messages.DeletionRelease.class,
      Messages.ForgetScreenshots.class, Messages.ImportChunk.class, Messages.ImportResult.class}) {
      register(vertx, type);
    }
  }

  private static <T> void register(Vertx vertx, Class<T> type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new InternalCodecs<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // Another deployment on this Vert.x instance registered it.
    }
  }
}
