package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageMetrics;

import java.time.InstantSource;

/**
 * What the module's verticles share beyond the bus: the clock that decides windows, the meters, the stop order,
 * the pauses of capture and the exclusion rules.
 */
public record ModuleContext(InstantSource clock, StorageMetrics metrics, ShutdownSequence shutdown, Pauses pauses) {

  /** A context whose capture was never paused. */
  public ModuleContext(InstantSource clock, StorageMetrics metrics, ShutdownSequence shutdown) {
    this(clock, metrics, shutdown, new Pauses());
  }
}
