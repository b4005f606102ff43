package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageMetrics;

import java.time.InstantSource;

/** What the module's verticles share beyond the bus: the clock that decides windows, the meters, the stop order. */
public record ModuleContext(InstantSource clock, StorageMetrics metrics, ShutdownSequence shutdown) {
}
