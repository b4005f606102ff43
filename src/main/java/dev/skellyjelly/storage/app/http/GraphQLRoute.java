package dev.skellyjelly.storage.app.http;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.net.BridgeToken;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.query.QueryVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /graphql} (CONTRACT §8): the origin rule (403), then the token as {@code Authorization: Bearer} (401),
 * then the request {@code {"query", "variables"}} asked of {@code skelly.storage.query} on the local bus, so HTTP
 * shares the one engine and its bounds with the bus and the bridges. No CORS headers are ever sent.
 */
public final class GraphQLRoute {

  /** The largest request body: a GraphQL document and its variables. */
  public static final long MAX_BODY_BYTES = 256 * 1024;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(300_000)
    .addHeader(QueryVerticle.AS_TEXT, "");

  private GraphQLRoute() {
  }

  public static void mount(Vertx vertx, Router router, StorageConfig config, BridgeToken token, OriginPolicy origins) {
    // Vert.x Web runs the body handler before any other; the body it gathers is bounded.
    router.post("/graphql").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
      .handler(new ApiGuard(origins, token)).handler(ctx -> ask(vertx, ctx));
  }

  private static void ask(Vertx vertx, RoutingContext ctx) {
    JsonObject request;
    try {
      request = ctx.body().asJsonObject();
    } catch (DecodeException e) {
      request = null;
    }
    if (request == null) {
      ctx.response().setStatusCode(400).end("the body is a JSON object {\"query\": \"…\", \"variables\": {…}}\n");
      return;
    }
    vertx.eventBus().<Buffer>request(Addresses.QUERY, request, LOCAL)
      .onSuccess(reply -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(reply.body()))
      .onFailure(err -> ctx.response().setStatusCode(503).end("query side unavailable: " + err.getMessage() + "\n"));
  }
}
