package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.FileModule;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.http.HistoryRoutes;
import dev.skellyjelly.storage.codecs.ValidationLimits;
import dev.skellyjelly.storage.impl.ExportFormat;
import dev.skellyjelly.storage.impl.ImportFeed;
import dev.skellyjelly.storage.query.ExportReader;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Export and import from the command line (CONTRACT §6, §8 Export format), the same two ways as every verb
 * ({@link ModuleLink}), except that a running module must serve HTTP: through the running module's {@code GET /export} and {@code POST /import}, both streamed;
 * or, when no module holds the database, on the file: an export reads it through read-only connections, an import
 * deploys {@link FileModule} (the writer without receiver or batcher) and feeds it the file a piece at a time.
 */
final class HistoryClient {

  private static final int READ_BYTES = 64 * 1024;

  private final StorageConfig config;

  HistoryClient(StorageConfig config) {
    this.config = config;
  }

  /** Writes the export of {@code [fromMs, toMs)} to {@code out}; returns how many events it holds. */
  long export(long fromMs, long toMs, OutputStream out) throws IOException, InterruptedException {
    if (toMs <= fromMs) {
      throw new IllegalArgumentException("--to must be after --from");
    }
    ModuleLink.Running module = ModuleLink.find(config, true);
    return module != null ? exportOverHttp(module.http("export"), fromMs, toMs, out) : exportFromFile(fromMs, toMs, out);
  }

  private static long exportOverHttp(ModuleLink.Http http, long fromMs, long toMs, OutputStream out)
    throws IOException, InterruptedException {
    HttpResponse<InputStream> response = http.client().send(http.request("export?from=" + fromMs + "&to=" + toMs)
      .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + response.statusCode() + " from /export: "
          + new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8).strip());
      }
      long lines = 0;
      byte[] buf = new byte[READ_BYTES];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
        for (int i = 0; i < n; i++) {
          lines += buf[i] == '\n' ? 1 : 0;
        }
      }
      return Math.max(0, lines - 1);
    }
  }

  private long exportFromFile(long fromMs, long toMs, OutputStream out) throws IOException {
    Vertx vertx = Vertx.vertx();
    try {
      ExportReader reader = ExportReader.open(vertx, config, fromMs, toMs);
      try {
        out.write(ExportFormat.header(fromMs, toMs, System.currentTimeMillis()).getBytes());
        for (Buffer chunk = reader.next().await(); chunk != null; chunk = reader.next().await()) {
          out.write(chunk.getBytes());
        }
        return reader.events();
      } finally {
        reader.close().await();
      }
    } finally {
      vertx.close().await();
    }
  }

  /** Imports the export in {@code file}; returns the import's summary. */
  JsonObject importFile(Path file) throws IOException, InterruptedException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no file " + file);
    }
    // Importing onto a new machine: the database is made.
    ModuleLink.Running module = ModuleLink.find(config, false);
    return module != null ? importOverHttp(module.http("import"), file) : importToFile(file);
  }

  private static JsonObject importOverHttp(ModuleLink.Http http, Path file) throws IOException, InterruptedException {
    HttpResponse<String> response = http.client().send(http.request("import")
      .header("Content-Type", HistoryRoutes.NDJSON).timeout(Duration.ofHours(6))
      .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 400) {
      throw new IllegalArgumentException(response.body().strip());
    }
    if (response.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + response.statusCode() + " from /import: " + response.body().strip());
    }
    return new JsonObject(response.body());
  }

  private JsonObject importToFile(Path file) throws IOException {
    Vertx vertx = Vertx.vertx();
    try (InputStream in = Files.newInputStream(file)) {
      vertx.deployVerticle(new FileModule(InstantSource.system()), new DeploymentOptions().setConfig(config.toJson()))
        .await();
      ImportFeed feed = new ImportFeed(vertx, InstantSource.system(),
        new ValidationLimits(config.maxClockSkewMs(), config.screenshotMaxBytes()));
      byte[] buf = new byte[READ_BYTES];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        feed.push(Buffer.buffer(java.util.Arrays.copyOf(buf, n))).await();
      }
      return feed.finish().await();
    } finally {
      vertx.close().await();
    }
  }
}
