package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.EnumSet;
import java.util.Set;

/**
 * A deletion as asked on {@link InternalAddresses#DELETE}: events in [{@code fromMs}, {@code toMs}), only of
 * {@code types} when not null, only those of {@code app} (by the focus rule, plus its own window-focus and
 * screenshot events) when not null; a dry run only counts.
 */
record DeletionRequest(long fromMs, long toMs, Set<EventType> types, String app, boolean dryRun) {

  /** The request's JSON form; an unknown type name or a range that is not from < to is an IllegalArgumentException. */
  static DeletionRequest fromJson(JsonObject body) {
    Long from = body.getLong("from_ms");
    Long to = body.getLong("to_ms");
    if (from == null || to == null || from >= to) {
      throw new IllegalArgumentException("a deletion needs from_ms < to_ms");
    }
    Set<EventType> types = null;
    JsonArray names = body.getJsonArray("types");
    if (names != null) {
      types = EnumSet.noneOf(EventType.class);
      for (Object name : names) {
        EventType t = EventType.fromWireName(String.valueOf(name));
        if (t == null) {
          throw new IllegalArgumentException("unknown event type " + name);
        }
        types.add(t);
      }
    }
    return new DeletionRequest(from, to, types, body.getString("app"), body.getBoolean("dry_run", false));
  }

  /** The reply: what was (or would be) removed. */
  JsonObject reply(RangeDeletion.Outcome outcome) {
    return new JsonObject().put("dry_run", dryRun).put("from_ms", fromMs).put("to_ms", toMs)
      .put("events", outcome.events()).put("screenshots", outcome.screenshots()).put("batches", outcome.batches())
      .put("bytes_freed", outcome.bytesFreed());
  }

  /** What {@code skelly.storage.deleted} publishes of a completed deletion. */
  JsonObject published(long events) {
    JsonArray names = null;
    if (types != null) {
      names = new JsonArray();
      for (EventType t : EventType.values()) {
        if (types.contains(t)) {
          names.add(t.wireName());
        }
      }
    }
    return new JsonObject().put("from", Timestamps.format(fromMs)).put("to", Timestamps.format(toMs))
      .put("types", names).put("app", app).put("events", events);
  }
}
