package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.impl.InternalAddresses;
import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code capture} and the mutations: each asks the module's capture or deletion control on its internal address
 * and gives its reply in the schema's form. {@code forget} resolves its range once, from the clock.
 */
final class ControlResolver {

  private static final DeliveryOptions CAPTURE = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);
  private static final DeliveryOptions DELETE = new DeliveryOptions().setLocalOnly(true).setSendTimeout(120_000);
  private static final long MINUTE_MS = 60_000L;

  private final QueryContext ctx;

  ControlResolver(QueryContext ctx) {
    this.ctx = ctx;
  }

  Future<Map<String, Object>> capture(DataFetchingEnvironment env) {
    return capture(new JsonObject().put("op", "state"));
  }

  Future<Map<String, Object>> pause(DataFetchingEnvironment env) {
    Integer minutes = env.getArgument("minutes");
    Object until = env.getArgument("until");
    if (minutes != null && until != null) {
      throw new BadArgument("until", "give minutes or until, not both");
    }
    if (minutes != null && minutes < 1) {
      throw new BadArgument("minutes", "must be at least 1, got " + minutes);
    }
    // Neither argument: until resumed. (No conditional expression here: one mixing long and Long unboxes the null.)
    Long untilMs = null;
    if (minutes != null) {
      untilMs = ctx.nowMs() + minutes * MINUTE_MS;
    } else if (until != null) {
      untilMs = ((Number) until).longValue();
    }
    if (untilMs != null && untilMs <= ctx.nowMs()) {
      throw new BadArgument("until", "is not in the future");
    }
    return capture(new JsonObject().put("op", "pause").put("until_ms", untilMs));
  }

  Future<Map<String, Object>> resume(DataFetchingEnvironment env) {
    return capture(new JsonObject().put("op", "resume"));
  }

  Future<Map<String, Object>> forget(DataFetchingEnvironment env) {
    Integer minutes = env.getArgument("lastMinutes");
    if (minutes == null || minutes < 1) {
      throw new BadArgument("lastMinutes", "must be at least 1, got " + minutes);
    }
    long now = ctx.nowMs();
    return delete(now - minutes * MINUTE_MS, now, null, null, Boolean.TRUE.equals(env.getArgument("dryRun")));
  }

  Future<Map<String, Object>> deleteRange(DataFetchingEnvironment env) {
    Args.Range r = Args.range(env);
    List<EventType> types = Args.types(env);
    return delete(r.from(), r.to(), types, env.getArgument("app"), Boolean.TRUE.equals(env.getArgument("dryRun")));
  }

  private Future<Map<String, Object>> delete(long from, long to, List<EventType> types, String app, boolean dryRun) {
    JsonArray names = null;
    if (types != null) {
      names = new JsonArray();
      for (EventType t : types) {
        names.add(t.wireName());
      }
    }
    JsonObject req = new JsonObject().put("from_ms", from).put("to_ms", to).put("types", names).put("app", app)
      .put("dry_run", dryRun);
    return ask(InternalAddresses.DELETE, req, DELETE, "deletion").map(r -> {
      Map<String, Object> m = new LinkedHashMap<>(8);
      m.put("dryRun", r.getBoolean("dry_run", dryRun));
      m.put("from", r.getLong("from_ms", from));
      m.put("to", r.getLong("to_ms", to));
      m.put("events", r.getLong("events", 0L));
      m.put("screenshots", r.getLong("screenshots", 0L));
      m.put("batches", r.getLong("batches", 0L));
      m.put("bytesFreed", r.getLong("bytes_freed"));
      return m;
    });
  }

  private Future<Map<String, Object>> capture(JsonObject req) {
    return ask(InternalAddresses.CAPTURE, req, CAPTURE, "capture control").map(r -> {
      Map<String, Object> m = new LinkedHashMap<>(4);
      m.put("paused", r.getBoolean("paused", false));
      m.put("until", r.getLong("until_ms"));
      m.put("since", r.getLong("since_ms"));
      m.put("droppedWhilePaused", r.getLong("dropped_while_paused", 0L));
      return m;
    });
  }

  private Future<JsonObject> ask(String address, JsonObject req, DeliveryOptions options, String what) {
    return ctx.vertx().eventBus().<JsonObject>request(address, req, options).map(msg -> msg.body())
      .recover(err -> Future.failedFuture(new IllegalStateException(
        err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
          ? what + " is not running here (the module is not running on this database)"
          : what + " failed: " + err.getMessage())));
  }
}
