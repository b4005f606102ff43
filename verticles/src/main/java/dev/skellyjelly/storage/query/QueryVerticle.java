package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.codecs.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * The read side (CONTRACT §8): answers {@code skelly.storage.query} with the GraphQL response. Starting only
 * registers the consumer; the engine and the read-only pool are made on the first query, so a module nobody
 * queries pays nothing for them. At most {@link #RUNNING} queries execute at once; up to {@link #WAITING} more
 * wait their turn, and past that a query is answered with an error at once.
 */
public final class QueryVerticle extends VerticleBase {

  /**
   * A delivery header asking for the answer as its JSON text (a {@code Buffer}), the text the query side encoded
   * anyway to check its size: the HTTP route sends it on as it is, encoding nothing on an event loop.
   */
  public static final String AS_TEXT = "skelly-answer-as-text";

  static final int RUNNING = ReadPool.CONNECTIONS;
  static final int WAITING = 32;

  private final InstantSource clock;
  private final StorageMetrics metrics;
  private final Deque<Message<Object>> waiting = new ArrayDeque<>();
  private ReadPool pool;
  private QueryContext ctx;
  private Future<QueryEngine> engine;
  private QueryHeadroom headroom;
  private int running;

  public QueryVerticle(InstantSource clock, StorageMetrics metrics) {
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    StorageConfig config = StorageConfig.fromJson(config());
    pool = new ReadPool(vertx, Path.of(config.databasePath()));
    ctx = new QueryContext(vertx, pool, config, clock, metrics);
    headroom = new QueryHeadroom(vertx);
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(Addresses.QUERY, this::onQuery);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    headroom.restore();
    return pool.close();
  }

  private void onQuery(Message<Object> msg) {
    if (running < RUNNING) {
      run(msg);
    } else if (waiting.size() < WAITING) {
      waiting.addLast(msg);
    } else {
      metrics.query("busy");
      reply(msg, QueryEngine.Answer.of(QueryEngine.error("too many queries at once (" + RUNNING + " executing, "
        + WAITING + " waiting): try again shortly"), asText(msg)));
    }
  }

  private void run(Message<Object> msg) {
    running++;
    headroom.begin();
    boolean asText = asText(msg);
    answer(msg.body(), asText).onComplete(ar -> {
      QueryEngine.Answer answer = ar.succeeded() ? ar.result()
        : QueryEngine.Answer.of(QueryEngine.error("query failed: " + ar.cause().getMessage()), asText);
      metrics.query(answer.failed() ? "error" : "ok");
      reply(msg, answer);
      running--;
      headroom.end(running);
      Message<Object> next = waiting.pollFirst();
      if (next != null) {
        run(next);
      }
    });
  }

  private static boolean asText(Message<Object> msg) {
    return msg.headers().contains(AS_TEXT);
  }

  /** The answer as JSON text to a requester that asked for it with {@link #AS_TEXT} (the HTTP route), else as an object. */
  private static void reply(Message<Object> msg, QueryEngine.Answer answer) {
    msg.reply(answer.text() != null ? answer.text() : answer.json());
  }

  private Future<QueryEngine.Answer> answer(Object body, boolean asText) {
    if (!(body instanceof JsonObject req) || !(req.getValue("query") instanceof String query)) {
      return Future.succeededFuture(QueryEngine.Answer.of(
        QueryEngine.error("a query is a JSON object {\"query\": \"…\", \"variables\": {…}}"), asText));
    }
    Object vars = req.getValue("variables");
    if (vars != null && !(vars instanceof JsonObject)) {
      return Future.succeededFuture(QueryEngine.Answer.of(QueryEngine.error("variables must be a JSON object"), asText));
    }
    Map<String, Object> variables = vars == null ? null : plain((JsonObject) vars);
    if (engine == null) {
      engine = vertx.executeBlocking(() -> QueryEngine.build(ctx));
    }
    return engine.compose(e -> e.execute(query, variables, asText));
  }

  /** A JSON object as plain maps and lists, as graphql-java reads variables. */
  private static Map<String, Object> plain(JsonObject o) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    o.forEach(e -> out.put(e.getKey(), plainValue(e.getValue())));
    return out;
  }

  private static Object plainValue(Object v) {
    if (v instanceof JsonObject o) {
      return plain(o);
    }
    if (v instanceof io.vertx.core.json.JsonArray a) {
      java.util.List<Object> list = new java.util.ArrayList<>(a.size());
      a.forEach(x -> list.add(plainValue(x)));
      return list;
    }
    return v;
  }
}
