package dev.skellyjelly.storage.app.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The inspector page at {@code /}: static files from the jar ({@code webroot/}), served to anyone who can reach
 * the HTTP server, since they hold no data; the page then reads the module's public interfaces with the token.
 * Only the page's own names are routed to the static handler, and its responses forbid loading anything from
 * another origin, so no request the page makes leaves the machine.
 */
public final class InspectorPage {

  /** The files under {@code webroot/} and {@code /} itself. */
  static final String PATHS = "/(|index\\.html|[a-z]+\\.(?:js|css|svg))";
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
    + "img-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private InspectorPage() {
  }

  /** Adds the page's routes to the module's router. */
  public static void mount(Router router) {
    StaticHandler files = StaticHandler.create("webroot").setDirectoryListing(false).setCachingEnabled(false)
      .setIncludeHidden(false);
    router.getWithRegex(PATHS).handler(ctx -> {
      ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
      ctx.next();
    }).handler(files);
  }

  /**
   * The page's address with the token in its fragment, which a browser never sends to a server. An unspecified
   * {@code http_host} (listening everywhere) is reached through the loopback address.
   */
  public static String address(String httpHost, int port, String token) {
    String host = switch (httpHost) {
      case "0.0.0.0", "::", "[::]", "" -> "127.0.0.1";
      default -> httpHost.contains(":") && !httpHost.startsWith("[") ? "[" + httpHost + "]" : httpHost;
    };
    return "http://" + host + ":" + port + "/#token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
  }
}
