package dev.skellyjelly.storage.app.cli;

import picocli.CommandLine.Option;

/** {@code --from T --to T}: the half-open range a verb works on (picocli mixin), {@code --to} after {@code --from}. */
final class TimeRange {

  @Option(names = "--from", required = true, paramLabel = "TIME", description = "ISO-8601 with a zone, or epoch ms")
  String from;

  @Option(names = "--to", required = true, paramLabel = "TIME", description = "ISO-8601 with a zone, or epoch ms")
  String to;

  /** A range in epoch milliseconds, {@code from} inclusive, {@code to} exclusive. */
  record Millis(long from, long to) {
  }

  /** The range in epoch milliseconds; a bad time or an empty range is an {@link IllegalArgumentException}. */
  Millis millis() {
    long fromMs = Verb.time("--from", from);
    long toMs = Verb.time("--to", to);
    if (toMs <= fromMs) {
      throw new IllegalArgumentException("--to must be after --from");
    }
    return new Millis(fromMs, toMs);
  }
}
