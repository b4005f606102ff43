package dev.skellyjelly.storage.codecs;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/** Codec names and their registration as default codecs of their types. */
public final class Codecs {

  public static final String RAW_EVENT = "skelly.RawEvent";
  public static final String EVENT_BATCH = "skelly.EventBatch";
  public static final String SCREENSHOT_REF = "skelly.ScreenshotRef";

  private Codecs() {
  }

  /**
   * Registers the contract's codecs as the default codecs of their types on this Vert.x instance, unless
   * they already are: any module, and the storage module itself, may call it.
   */
  public static synchronized void ensureRegistered(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    register(bus, RawEvent.class, new RawEventCodec());
    register(bus, EventBatch.class, new EventBatchCodec());
    register(bus, ScreenshotRef.class, new ScreenshotRefCodec());
  }

  private static <T> void register(EventBus bus, Class<T> type, MessageCodec<T, ?> codec) {
    try {
      bus.registerDefaultCodec(type, codec);
    } catch (IllegalStateException alreadyRegistered) {
      // Registered before, by this module or by its host: nothing to do.
    }
  }
}
