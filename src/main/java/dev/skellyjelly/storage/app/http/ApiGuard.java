package dev.skellyjelly.storage.app.http;

import dev.skellyjelly.storage.app.net.BridgeToken;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * In front of every route that serves the person's data over HTTP ({@code /graphql}, {@code /dev/screenshots/{id}};
 * CONTRACT §8): a foreign {@code Origin} gets 403 ({@link OriginPolicy}), a request without
 * {@code Authorization: Bearer <token>} 401; only then does the route run.
 */
public final class ApiGuard implements Handler<RoutingContext> {

  private final OriginPolicy origins;
  private final BridgeToken token;

  public ApiGuard(OriginPolicy origins, BridgeToken token) {
    this.origins = origins;
    this.token = token;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (!origins.allows(origin)) {
      origins.handle(ctx);
    } else if (token.admitsBearer(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
      ctx.next();
    } else {
      ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer").end("a bearer token is required (bridge.token beside the database)\n");
    }
  }
}
