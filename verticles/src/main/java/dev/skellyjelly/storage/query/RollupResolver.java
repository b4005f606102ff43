package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Timestamps;
import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Future;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code timeline} and {@code appUsage}, from the minute or hour rollups, never from raw events: whole hours from
 * the hour tables, minutes (MINUTE buckets, the partial hours at a range's edges) from the minute tables (see
 * {@link #parts}); rows are grouped in SQL by the bucket's grain (hours, minutes, or 15 minutes for days in a zone
 * with a part-hour offset, the finest step of any zone's offset) and the groups mapped to buckets here.
 */
final class RollupResolver {

  static final long MINUTE_MS = 60_000L;
  static final long HOUR_MS = 3_600_000L;
  private static final long QUARTER_MS = 900_000L;

  private final QueryContext ctx;

  RollupResolver(QueryContext ctx) {
    this.ctx = ctx;
  }

  /**
   * A table pair and the range read from it, grouped by {@code grainMs}, or, when {@code dayOffsetMs} is set (a
   * stretch of a zone's days with one offset), by the local day's number.
   */
  private record Part(String rollups, String focus, long from, long to, long grainMs, Long dayOffsetMs) {

    Part(String rollups, String focus, long from, long to, long grainMs) {
      this(rollups, focus, from, to, grainMs, null);
    }

    String group() {
      return dayOffsetMs != null ? "(bucket_ms + " + dayOffsetMs + ") / " + Args.DAY_MS : "bucket_ms - bucket_ms % " + grainMs;
    }
  }

  Future<List<Map<String, Object>>> timeline(DataFetchingEnvironment env) {
    Args.Range r = Args.range(env);
    String bucket = env.getArgument("bucket");
    ZoneId zone = Args.zone(env);
    List<EventType> types = Args.types(env);
    List<Part> parts = parts(r, bucket, zone);
    List<Future<Rows>> reads = new ArrayList<>();
    for (Part p : parts) {
      reads.add(ctx.pool().query("SELECT " + p.group() + " AS g, event_type, sum(n) FROM "
        + p.rollups() + " WHERE bucket_ms >= ? AND bucket_ms < ?" + Args.typeFilter("event_type", types)
        + " GROUP BY g, event_type", p.from(), p.to()));
    }
    return Future.all(reads).compose(all -> ctx.offLoop(() -> {
      Buckets buckets = new Buckets(bucket, zone);
      TreeMap<Long, long[]> points = new TreeMap<>();
      for (int i = 0; i < reads.size(); i++) {
        for (Row row : reads.get(i).result()) {
          long start = buckets.start(parts.get(i), ReadPool.num(row, 0));
          points.computeIfAbsent(start, k -> new long[EventType.values().length])[(int) ReadPool.num(row, 1)]
            += ReadPool.num(row, 2);
        }
      }
      List<Map<String, Object>> out = new ArrayList<>();
      points.forEach((start, counts) -> {
        for (EventType t : EventType.values()) {
          if (counts[t.code()] > 0) {
            Map<String, Object> p = new LinkedHashMap<>(4);
            p.put("start", start);
            p.put("type", t.name());
            p.put("count", counts[t.code()]);
            out.add(p);
          }
        }
      });
      return out;
    }));
  }

  Future<List<Map<String, Object>>> appUsage(DataFetchingEnvironment env) {
    Args.Range r = Args.range(env);
    String bucket = env.getArgument("bucket");
    ZoneId zone = Args.zone(env);
    int top = Args.positive(env, "top", 20, Integer.MAX_VALUE);
    List<Future<Rows>> focus = new ArrayList<>();
    List<Future<Rows>> inputs = new ArrayList<>();
    List<Part> parts = parts(r, bucket, zone);
    for (Part p : parts) {
      String g = bucket == null ? "0" : p.group();
      focus.add(ctx.pool().query("SELECT " + g + " AS g, app, sum(focused_ms), sum(switches) FROM " + p.focus()
        + " WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY g, app", p.from(), p.to()));
      inputs.add(ctx.pool().query("SELECT " + g + " AS g, app, sum(CASE event_type WHEN " + EventType.KEYSTROKE.code()
        + " THEN n ELSE 0 END), sum(CASE event_type WHEN " + EventType.MOUSE_CLICK.code() + " THEN n ELSE 0 END) FROM "
        + p.rollups() + " WHERE bucket_ms >= ? AND bucket_ms < ? AND event_type IN (" + EventType.KEYSTROKE.code() + ","
        + EventType.MOUSE_CLICK.code() + ") GROUP BY g, app", p.from(), p.to()));
    }
    List<Future<Rows>> all = new ArrayList<>(focus);
    all.addAll(inputs);
    return Future.all(all).compose(done -> ctx.offLoop(() -> {
      Buckets buckets = bucket == null ? null : new Buckets(bucket, zone);
      // start → app → {focused, switches, keystrokes, clicks}
      TreeMap<Long, Map<String, long[]>> usage = new TreeMap<>();
      for (int k = 0; k < all.size(); k++) {
        boolean isFocus = k < focus.size();
        for (Row row : all.get(k).result()) {
          long start = buckets == null ? 0 : buckets.start(parts.get(k % parts.size()), ReadPool.num(row, 0));
          long[] u = usage.computeIfAbsent(start, s -> new HashMap<>())
            .computeIfAbsent(ReadPool.text(row, 1), a -> new long[4]);
          u[isFocus ? 0 : 2] += ReadPool.num(row, 2);
          u[isFocus ? 1 : 3] += ReadPool.num(row, 3);
        }
      }
      List<Map<String, Object>> out = new ArrayList<>();
      usage.forEach((start, apps) -> apps.entrySet().stream()
        .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0]).thenComparing(Map.Entry::getKey))
        .limit(top)
        .forEach(e -> {
          Map<String, Object> m = new LinkedHashMap<>(8);
          m.put("app", e.getKey());
          m.put("start", buckets == null ? null : start);
          m.put("focusedMs", e.getValue()[0]);
          m.put("switches", e.getValue()[1]);
          m.put("keystrokes", e.getValue()[2]);
          m.put("clicks", e.getValue()[3]);
          out.add(m);
        }));
      return out;
    }));
  }

  /**
   * Where a range is read. The lifecycle writes minute and hour rows in the same commit, so whole hours are read
   * from the hour tables (a year is some ten thousand hours, not half a million minutes) and only the partial
   * hours at the range's edges, MINUTE buckets, and DAY buckets in a zone whose offset is not whole hours from the
   * minute tables. The minute tables hold minute retention only: reaching past it there is refused naming
   * {@code from} (or {@code to}).
   */
  private List<Part> parts(Args.Range r, String bucket, ZoneId zone) {
    long cutoff = Args.retentionCutoff(ctx.nowMs(), ctx.config().minuteRollupRetentionDays());
    boolean hourly = !"MINUTE".equals(bucket) && (!"DAY".equals(bucket) || wholeHourOffsets(zone, r));
    List<Part> parts = new ArrayList<>();
    if (!hourly) {
      long minuteGrain = "MINUTE".equals(bucket) ? MINUTE_MS : QUARTER_MS;
      if (r.from() < cutoff) {
        if ("MINUTE".equals(bucket)) {
          throw new BadArgument("from", "minute buckets are kept " + ctx.config().minuteRollupRetentionDays()
            + " days: ask for HOUR or DAY, or from " + Timestamps.format(cutoff) + " on");
        }
        long end = Math.min(r.to(), cutoff);
        if (r.from() % HOUR_MS != 0 || end % HOUR_MS != 0) {
          throw wholeHours(r.from() % HOUR_MS != 0 ? "from" : "to", cutoff);
        }
        parts.add(new Part("hour_rollups", "hour_focus", r.from(), end, HOUR_MS));
      }
      if (r.to() > Math.max(cutoff, r.from())) {
        parts.add(new Part("minute_rollups", "minute_focus", Math.max(cutoff, r.from()), r.to(), minuteGrain));
      }
      return parts;
    }
    long firstHour = Math.floorDiv(r.from() + HOUR_MS - 1, HOUR_MS) * HOUR_MS;
    long lastHour = Math.floorDiv(r.to(), HOUR_MS) * HOUR_MS;
    if (firstHour >= lastHour) {
      parts.add(minutePart(r.from(), r.to(), cutoff, "from"));
      return parts;
    }
    if (r.from() < firstHour) {
      parts.add(minutePart(r.from(), firstHour, cutoff, "from"));
    }
    if ("DAY".equals(bucket)) {
      // Grouped by local day in SQL, a stretch per offset: a year is some 365 groups per app, not 3000 hours.
      ZoneRules rules = zone.getRules();
      long at = firstHour;
      while (at < lastHour) {
        ZoneOffsetTransition next = rules.nextTransition(Instant.ofEpochMilli(at));
        long end = next == null ? lastHour : Math.min(lastHour, next.getInstant().toEpochMilli());
        long offset = rules.getOffset(Instant.ofEpochMilli(at)).getTotalSeconds() * 1000L;
        parts.add(new Part("hour_rollups", "hour_focus", at, end, HOUR_MS, offset));
        at = end;
      }
    } else {
      parts.add(new Part("hour_rollups", "hour_focus", firstHour, lastHour, HOUR_MS));
    }
    if (lastHour < r.to()) {
      parts.add(minutePart(lastHour, r.to(), cutoff, "to"));
    }
    return parts;
  }

  /** Part of an hour, from the minute tables; refused naming {@code argument} once minute retention dropped it. */
  private Part minutePart(long from, long to, long cutoff, String argument) {
    if (from < cutoff) {
      throw wholeHours(argument, cutoff);
    }
    return new Part("minute_rollups", "minute_focus", from, to, HOUR_MS);
  }

  private BadArgument wholeHours(String argument, long cutoff) {
    return new BadArgument(argument, "before " + Timestamps.format(cutoff) + " (minute retention) only whole hours are kept");
  }

  /** True when every offset of {@code zone} over the range is whole hours, so hours fall in one day each. */
  private static boolean wholeHourOffsets(ZoneId zone, Args.Range r) {
    ZoneRules rules = zone.getRules();
    Instant at = Instant.ofEpochMilli(r.from());
    if (rules.getOffset(at).getTotalSeconds() % 3600 != 0) {
      return false;
    }
    for (ZoneOffsetTransition t = rules.nextTransition(at); t != null && t.getInstant().toEpochMilli() < r.to();
         t = rules.nextTransition(t.getInstant())) {
      if (t.getOffsetAfter().getTotalSeconds() % 3600 != 0) {
        return false;
      }
    }
    return true;
  }

  /** Maps a group's start to its bucket's start: UTC minutes and hours, days at midnight in the zone. */
  private static final class Buckets {
    private final String bucket;
    private final ZoneId zone;
    private final Map<LocalDate, Long> midnights = new HashMap<>();

    Buckets(String bucket, ZoneId zone) {
      this.bucket = bucket;
      this.zone = zone;
    }

    /** The bucket of group {@code g} of part {@code p}. */
    long start(Part p, long g) {
      if (p.dayOffsetMs() != null) {
        return midnights.computeIfAbsent(LocalDate.ofEpochDay(g), d -> d.atStartOfDay(zone).toInstant().toEpochMilli());
      }
      return start(g);
    }

    long start(long ms) {
      switch (bucket) {
        case "MINUTE":
          return Math.floorDiv(ms, MINUTE_MS) * MINUTE_MS;
        case "HOUR":
          return Math.floorDiv(ms, HOUR_MS) * HOUR_MS;
        default:
          LocalDate day = Instant.ofEpochMilli(ms).atZone(zone).toLocalDate();
          return midnights.computeIfAbsent(day, d -> d.atStartOfDay(zone).toInstant().toEpochMilli());
      }
    }
  }
}
