package dev.skellyjelly.storage.app.http;

import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which browser origins may reach a route (CONTRACT §5 {@code allowed_origins}): the module's own HTTP origin and
 * those listed. A request carrying any other {@code Origin} is refused with 403 before its handler runs, so a web
 * page the person happens to visit cannot open the SockJS bridge; a request without {@code Origin} (no browser
 * sends none) passes, and still needs the token on every frame.
 */
public final class OriginPolicy implements Handler<RoutingContext> {

  private final Set<String> allowed;
  private final Consumer<String> onRefused;

  private OriginPolicy(Set<String> allowed, Consumer<String> onRefused) {
    this.allowed = allowed;
    this.onRefused = onRefused;
  }

  /** {@code onRefused} gets each refused origin (to count and log it). */
  public static OriginPolicy of(StorageConfig config, Consumer<String> onRefused) {
    Set<String> allowed = new HashSet<>(config.allowedOrigins());
    int port = config.httpPort();
    for (String host : List.of("127.0.0.1", "localhost", "[::1]", config.httpHost())) {
      allowed.add(("http://" + host + ":" + port).toLowerCase(Locale.ROOT));
    }
    return new OriginPolicy(Set.copyOf(allowed), onRefused);
  }

  public boolean allows(String origin) {
    return origin == null || allowed.contains(origin.toLowerCase(Locale.ROOT));
  }

  @Override
  public void handle(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (allows(origin)) {
      ctx.next();
    } else {
      onRefused.accept(origin);
      ctx.response().setStatusCode(403).end("origin not allowed\n");
    }
  }
}
