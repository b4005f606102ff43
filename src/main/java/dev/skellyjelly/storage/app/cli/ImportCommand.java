package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/**
 * {@code import FILE}: restores an export (CONTRACT §8): events and screenshot metadata, validated like the
 * receiver's input, ids already stored skipped, no batch emitted. Prints the summary {@code {"imported",
 * "duplicates", "too_recent", "invalid", "first_invalid"}}; exit 1 when some line was invalid (the rest is imported,
 * and importing the corrected file again stores only what was missing).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
  description = "Import an export file (JSON Lines, CONTRACT §8); ids already stored are skipped, no batch is emitted.")
public final class ImportCommand extends Verb {

  @Parameters(index = "0", paramLabel = "FILE", description = "the export to import")
  Path file;

  @Override
  void run(StorageConfig config) throws Exception {
    JsonObject summary = new HistoryClient(config).importFile(file);
    System.out.println(summary.encode());
    if (summary.getLong("invalid", 0L) > 0) {
      throw new IllegalStateException(summary.getLong("invalid") + " invalid lines were skipped, the first: "
        + summary.getString("first_invalid"));
    }
  }
}
