package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code export --from T --to T [--out FILE]}: the §8 export format on stdout, or in FILE (mode 0600: it holds the
 * person's history), then a line {@code {"exported": n, "file": …}} on stdout.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
  description = "Export the events in [--from, --to) as JSON Lines (CONTRACT §8), screenshots without pixels.")
public final class ExportCommand extends Verb {

  @Mixin
  TimeRange range;

  @Option(names = "--out", paramLabel = "FILE", description = "write here (mode 0600) instead of stdout")
  Path out;

  @Override
  void run(StorageConfig config) throws Exception {
    TimeRange.Millis millis = range.millis();
    HistoryClient client = new HistoryClient(config);
    if (out == null) {
      OutputStream stdout = new BufferedOutputStream(System.out, 1 << 16);
      client.export(millis.from(), millis.to(), stdout);
      stdout.flush();
      return;
    }
    Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".export", ".part");
    try {
      if (Files.getFileAttributeView(tmp, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      }
      long events;
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.WRITE), 1 << 16)) {
        events = client.export(millis.from(), millis.to(), file);
      }
      Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      System.out.println(new JsonObject().put("exported", events).put("file", out.toAbsolutePath().toString()).encode());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
