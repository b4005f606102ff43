package dev.skellyjelly.storage;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock its owner moves by hand: what tests and the bench give {@link StorageModule} so windows, grace and
 * retention are decided in milliseconds rather than by waiting.
 */
public class SettableClock implements InstantSource {

  private final AtomicLong now;

  public SettableClock(long startMs) {
    now = new AtomicLong(startMs);
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(now.get());
  }

  @Override
  public long millis() {
    return now.get();
  }

  public void set(long ms) {
    now.set(ms);
  }

  public void advance(long ms) {
    now.addAndGet(ms);
  }
}
