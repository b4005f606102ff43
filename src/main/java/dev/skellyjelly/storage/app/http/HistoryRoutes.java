package dev.skellyjelly.storage.app.http;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.ValidationLimits;
import dev.skellyjelly.storage.impl.ExportFormat;
import dev.skellyjelly.storage.impl.ImportFeed;
import dev.skellyjelly.storage.query.ExportReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;

/**
 * {@code GET /export?from=…&to=…} and {@code POST /import} (CONTRACT §8 Export format, §6): the origin rule (403) and
 * the token (401) of {@link ApiGuard}, as {@code /graphql}, then the history streamed both ways with bounded memory. An export writes
 * a chunk of whole windows and reads the next only once the connection took it (a full write queue waits for its
 * drain). An import reads the body as it arrives and pauses it while a chunk is committed; the answer is the
 * import's summary (JSON), or 400 naming the line that stopped it.
 */
public final class HistoryRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(HistoryRoutes.class);
  public static final String NDJSON = "application/x-ndjson";

  private HistoryRoutes() {
  }

  public static void mount(Vertx vertx, Router router, StorageConfig config, ApiGuard guard) {
    router.get("/export").handler(guard).handler(ctx -> export(vertx, config, ctx));
    ValidationLimits limits = new ValidationLimits(config.maxClockSkewMs(), config.screenshotMaxBytes());
    router.post("/import").handler(guard).handler(ctx -> importBody(vertx, limits, ctx));
  }

  private static void export(Vertx vertx, StorageConfig config, RoutingContext ctx) {
    long from;
    long to;
    ExportReader reader;
    try {
      from = bound(ctx, "from");
      to = bound(ctx, "to");
      reader = ExportReader.open(vertx, config, from, to);
    } catch (IllegalArgumentException e) {
      ctx.response().setStatusCode(400).end(e.getMessage() + "\n");
      return;
    }
    HttpServerResponse response = ctx.response().setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, NDJSON);
    response.closeHandler(v -> reader.close());
    response.write(ExportFormat.header(from, to, System.currentTimeMillis()));
    pump(reader, response);
  }

  private static long bound(RoutingContext ctx, String name) {
    String value = ctx.request().getParam(name);
    if (value == null) {
      throw new IllegalArgumentException(name + " is required: /export?from=…&to=…");
    }
    try {
      return ExportFormat.parseTime(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " " + e.getMessage());
    }
  }

  /** Writes chunks while the connection takes them; the next is read once the last is written or drained. */
  private static void pump(ExportReader reader, HttpServerResponse response) {
    reader.next().onComplete(ar -> {
      if (response.closed()) {
        reader.close();
      } else if (ar.failed()) {
        // The status is sent already: the reset tells the client the export is incomplete.
        LOG.warn("export failed: {}", ar.cause().toString());
        reader.close();
        response.reset();
      } else if (ar.result() == null) {
        reader.close();
        response.end();
      } else {
        response.write(ar.result());
        if (response.writeQueueFull()) {
          response.drainHandler(v -> pump(reader, response));
        } else {
          pump(reader, response);
        }
      }
    });
  }

  private static void importBody(Vertx vertx, ValidationLimits limits, RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    ImportFeed feed = new ImportFeed(vertx, InstantSource.system(), limits);
    boolean[] failed = {false};
    request.handler(data -> {
      if (failed[0]) {
        return;
      }
      Future<Void> taken = feed.push(data);
      if (!taken.isComplete()) {
        request.pause();
      }
      taken.onComplete(ar -> {
        if (ar.failed()) {
          failed[0] = true;
          refuse(ctx, ar.cause());
        } else {
          request.resume();
        }
      });
    });
    request.endHandler(v -> {
      if (!failed[0]) {
        feed.finish().onSuccess(summary -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(summary.toBuffer())).onFailure(err -> refuse(ctx, err));
      }
    });
    request.resume();
  }

  private static void refuse(RoutingContext ctx, Throwable err) {
    if (!ctx.response().ended()) {
      int status = err instanceof IllegalArgumentException ? 400 : 503;
      ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONNECTION, "close").end(err.getMessage() + "\n");
    }
  }
}
