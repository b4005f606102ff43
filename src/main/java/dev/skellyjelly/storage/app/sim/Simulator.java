package dev.skellyjelly.storage.app.sim;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.FileSlices;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;

import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A realistic Data Capture in the same process: publishes typed raw events of all seven kinds on
 * {@link Addresses#RAW_EVENT} in 10 ms ticks at a given total rate — mostly mouse moves and keystrokes,
 * some clicks, now and then a window or process change, a resource sample each second, and a real PNG
 * screenshot at a fixed interval.
 */
public final class Simulator extends VerticleBase {

  /** Delivery tick, as Data Capture batches its input. */
  public static final long TICK_MS = 10;

  private final double eventsPerSecond;
  private final long screenshotEveryMs;
  private final List<Path> pngs;
  private final LongSupplier clock;
  private final EventMix mix = new EventMix(42);

  private double carry;
  private long nextResourceMs;
  private long nextScreenshotMs;
  private int screenshotIndex;
  private long published;

  /**
   * @param pngs image files to cycle through (generated before the run, read when their turn comes so only one
   *             is in memory at a time); empty for no screenshots
   */
  public Simulator(double eventsPerSecond, long screenshotEveryMs, List<Path> pngs, LongSupplier clock) {
    this.eventsPerSecond = eventsPerSecond;
    this.screenshotEveryMs = screenshotEveryMs;
    this.pngs = pngs;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    long now = clock.getAsLong();
    nextResourceMs = now;
    nextScreenshotMs = now + Math.min(screenshotEveryMs, 1000);
    vertx.setPeriodic(TICK_MS, id -> tick());
    return Future.succeededFuture();
  }

  public long published() {
    return published;
  }

  private void tick() {
    EventBus bus = vertx.eventBus();
    long now = clock.getAsLong();
    carry += eventsPerSecond * TICK_MS / 1000.0;
    int n = (int) carry;
    carry -= n;
    if (now >= nextResourceMs && n > 0) {
      bus.publish(Addresses.RAW_EVENT, event(now, mix.resource()));
      nextResourceMs += 1000;
      n--;
      published++;
    }
    for (int i = 0; i < n; i++) {
      bus.publish(Addresses.RAW_EVENT, event(now - (n - i) * TICK_MS / Math.max(1, n), mix.next()));
      published++;
    }
    if (!pngs.isEmpty() && now >= nextScreenshotMs) {
      nextScreenshotMs += screenshotEveryMs;
      Path png = pngs.get(screenshotIndex++ % pngs.size());
      vertx.executeBlocking(() -> FileSlices.read(png), false).onSuccess(bytes -> {
        bus.publish(Addresses.RAW_EVENT, event(now, mix.screenshot(bytes)));
        published++;
      });
    }
  }

  private static RawEvent event(long ts, EventData data) {
    return new RawEvent(null, null, ts, data);
  }

}
