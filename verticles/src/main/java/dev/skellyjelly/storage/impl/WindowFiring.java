package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.WindowKey;

/**
 * One firing of a window, as every part of it is published and recorded: its number, whether it is
 * {@code late} or {@code replayed}, when it was emitted, and the commit sequence numbers its events have
 * ({@code afterSeq < seq <= uptoSeq}; what a window read back from the database is read by).
 */
record WindowFiring(WindowKey key, long number, boolean late, boolean replayed, long emittedAtMs, long afterSeq,
                    long uptoSeq) {

  /** The firing of a window the clock closed, or of a later firing of it (late). */
  static WindowFiring closed(WindowKey key, long number, long nowMs, long afterSeq, long uptoSeq) {
    return new WindowFiring(key, number, number > 0, false, nowMs, afterSeq, uptoSeq);
  }

  /** A firing at start-up of every committed event of a window not all emitted before: replayed, never late. */
  static WindowFiring replayed(WindowKey key, long number, long nowMs, long uptoSeq) {
    return new WindowFiring(key, number, false, true, nowMs, 0, uptoSeq);
  }
}
