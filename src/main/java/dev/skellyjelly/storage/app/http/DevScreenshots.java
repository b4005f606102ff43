package dev.skellyjelly.storage.app.http;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Uuids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /dev/screenshots/{id}} (CONTRACT §8): the bytes of a screenshot dev mode kept, from the store's dev
 * directory ({@code <screenshot_temp_dir>/dev/<id>.<format>}, the ScreenshotStoreVerticle's naming); 404 for any
 * other id and whenever dev mode is off. Behind {@link ApiGuard}: the token and the origin rule.
 */
public final class DevScreenshots implements io.vertx.core.Handler<RoutingContext> {

  private final Vertx vertx;
  private final StorageConfig config;

  private DevScreenshots(Vertx vertx, StorageConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  public static void mount(Router router, Vertx vertx, StorageConfig config, ApiGuard guard) {
    router.get("/dev/screenshots/:id").handler(guard).handler(new DevScreenshots(vertx, config));
  }

  @Override
  public void handle(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    // Only a canonical UUID names a file: nothing else of the file system can be reached through the id.
    if (!config.devMode() || id == null || !Uuids.isCanonical(id)) {
      notFound(ctx);
      return;
    }
    find(config.screenshotTempDir() + "/dev/" + Uuids.normalize(id), 0).onComplete(found -> {
      if (found.failed() || found.result() == null) {
        notFound(ctx);
        return;
      }
      ImageFormat format = found.result();
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "image/" + format.wireName())
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").putHeader("X-Content-Type-Options", "nosniff")
        .sendFile(config.screenshotTempDir() + "/dev/" + Uuids.normalize(id) + "." + format.wireName())
        .onFailure(err -> {
          // Deleted between the look-up and the read: dev mode keeps only the last few.
          if (!ctx.response().headWritten()) {
            notFound(ctx);
          }
        });
    });
  }

  /** The format of the kept file {@code base.<format>}, or null when there is none. */
  private Future<ImageFormat> find(String base, int i) {
    ImageFormat[] formats = ImageFormat.values();
    if (i == formats.length) {
      return Future.succeededFuture(null);
    }
    return vertx.fileSystem().exists(base + "." + formats[i].wireName())
      .compose(exists -> exists ? Future.succeededFuture(formats[i]) : find(base, i + 1));
  }

  private static void notFound(RoutingContext ctx) {
    ctx.response().setStatusCode(404).end("no such dev-mode screenshot\n");
  }
}
