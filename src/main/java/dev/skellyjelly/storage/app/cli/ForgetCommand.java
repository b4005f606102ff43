package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.Durations;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code forget DURATION [--dry-run]}: the §8 {@code forget} mutation over the last whole minutes; the result names
 * the absolute range, so a dry run can be confirmed with {@code delete --from --to} on exactly that range.
 */
@Command(name = "forget", mixinStandardHelpOptions = true,
  description = "Delete everything recorded in the last DURATION (whole minutes: 15m, 1h). Prints the deletion.")
public final class ForgetCommand extends Verb {

  static final String DELETION = "{ dryRun from to events screenshots batches bytesFreed }";

  @Parameters(index = "0", paramLabel = "DURATION", description = "how far back: whole minutes, e.g. 15m, 1h")
  String duration;

  @Option(names = "--dry-run", description = "count what would be deleted, change nothing")
  boolean dryRun;

  @Override
  void run(StorageConfig config) throws Exception {
    long ms = Durations.parseMs(duration);
    if (ms <= 0 || ms % 60_000 != 0 || ms / 60_000 > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("forget takes whole minutes (such as 15m or 1h), not '" + duration + "'");
    }
    mutate(config, "forget", "mutation($m: Int!, $dry: Boolean) { forget(lastMinutes: $m, dryRun: $dry) " + DELETION
      + " }", new JsonObject().put("m", (int) (ms / 60_000)).put("dry", dryRun));
  }
}
