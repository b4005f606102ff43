package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.EventType;
import graphql.schema.DataFetchingEnvironment;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** Reads and checks a field's arguments; each problem is a {@link BadArgument} naming the argument. */
final class Args {

  /** The most items one page may ask for (CONTRACT §8). */
  static final int MAX_FIRST = 10_000;
  static final long DAY_MS = 86_400_000L;

  private Args() {
  }

  /** {@code [from, to)}: both given, {@code to} not before {@code from}. */
  record Range(long from, long to) {
  }

  static Range range(DataFetchingEnvironment env) {
    long from = ((Number) env.getArgument("from")).longValue();
    long to = ((Number) env.getArgument("to")).longValue();
    if (to < from) {
      throw new BadArgument("to", "is before from");
    }
    return new Range(from, to);
  }

  /** {@code first}: 1 … {@link #MAX_FIRST}. */
  static int first(DataFetchingEnvironment env) {
    Integer first = env.getArgument("first");
    if (first == null || first < 1 || first > MAX_FIRST) {
      throw new BadArgument("first", "must be between 1 and " + MAX_FIRST + ", got " + first);
    }
    return first;
  }

  /** A positive integer argument, or {@code otherwise} when absent. */
  static int positive(DataFetchingEnvironment env, String name, int otherwise, int max) {
    Integer v = env.getArgument(name);
    if (v == null) {
      return otherwise;
    }
    if (v < 1 || v > max) {
      throw new BadArgument(name, "must be between 1 and " + max + ", got " + v);
    }
    return v;
  }

  /** The event types asked for, null for all. */
  static List<EventType> types(DataFetchingEnvironment env) {
    List<String> names = env.getArgument("types");
    if (names == null) {
      return null;
    }
    List<EventType> types = new ArrayList<>();
    for (String n : names) {
      types.add(EventType.valueOf(n));
    }
    return types;
  }

  static ZoneId zone(DataFetchingEnvironment env) {
    String zone = env.getArgument("timeZone");
    if (zone == null) {
      return ZoneId.systemDefault();
    }
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new BadArgument("timeZone", "is not a time zone id: " + zone);
    }
  }

  /** The start of the UTC day {@code days} before the one holding {@code nowMs}; no cutoff when days is 0. */
  static long retentionCutoff(long nowMs, int days) {
    return days == 0 ? Long.MIN_VALUE : Math.floorDiv(nowMs, DAY_MS) * DAY_MS - days * DAY_MS;
  }

  /** SQL's {@code (?, ?, …)} of the types' codes, or "" for all types. */
  static String typeFilter(String column, List<EventType> types) {
    if (types == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(" AND ").append(column).append(" IN (");
    for (int i = 0; i < types.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(types.get(i).code());
    }
    return types.isEmpty() ? " AND 0" : sb.append(')').toString();
  }
}
