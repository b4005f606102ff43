package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.DeadLetterReason;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.EventJsonDecoder;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.InvalidEventException;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.codecs.ValidationLimits;
import dev.skellyjelly.storage.impl.Messages.Imported;
import dev.skellyjelly.storage.impl.Messages.ScreenshotRow;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * The export format (CONTRACT §8): JSON Lines, a header line, then one §2 event per line with its id and session;
 * a screenshot without image, with what the {@code screenshots} table keeps of it ({@code size_bytes},
 * {@code width}, {@code height}, {@code storage}, {@code deleted_at}, {@code deleted_reason}). Both directions
 * live here, so what an export writes is what an import reads.
 */
public final class ExportFormat {

  public static final String FORMAT = "skelly-storage-export";
  public static final int VERSION = 1;
  /** The reason an imported screenshot that the export recorded as held is deleted with: its pixels never came. */
  public static final String IMPORTED = "import";

  /** What the screenshots table holds of one screenshot, beside its event. */
  public record ScreenshotMeta(long sizeBytes, Integer width, Integer height, String storage, Long deletedAtMs,
                               String deletedReason) {
  }

  private ExportFormat() {
  }

  /**
   * A bound of an export's range as a person gives it: the module's timestamp form, any ISO-8601 with a zone, or
   * epoch milliseconds.
   *
   * @throws IllegalArgumentException saying what the text is not
   */
  public static long parseTime(String text) {
    if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("is out of range: " + text);
      }
    }
    return Timestamps.parse(text);
  }

  /** The first line, with its newline. */
  public static Buffer header(long fromMs, long toMs, long exportedAtMs) {
    return new JsonObject().put("format", FORMAT).put("version", VERSION).put("from", Timestamps.format(fromMs))
      .put("to", Timestamps.format(toMs)).put("exported_at", Timestamps.format(exportedAtMs)).toBuffer()
      .appendByte((byte) '\n');
  }

  /** Appends one event's line; {@code shot} is its screenshot's row for a screenshot event (null if none is stored). */
  public static void appendLine(Buffer out, RawEvent e, ScreenshotMeta shot) {
    JsonObject json = EventJson.encode(e.withoutImage());
    if (e.eventType() == EventType.SCREENSHOT && shot != null) {
      json.getJsonObject("data").put("size_bytes", shot.sizeBytes()).put("width", shot.width())
        .put("height", shot.height()).put("storage", shot.storage())
        .put("deleted_at", shot.deletedAtMs() == null ? null : Timestamps.format(shot.deletedAtMs()))
        .put("deleted_reason", shot.deletedReason());
    }
    out.appendBuffer(json.toBuffer()).appendByte((byte) '\n');
  }

  /**
   * Checks the header line.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static void checkHeader(String line) {
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      json = null;
    }
    if (json == null || !FORMAT.equals(json.getValue("format"))) {
      throw new IllegalArgumentException("the first line is not a " + FORMAT + " header");
    }
    if (!Integer.valueOf(VERSION).equals(json.getValue("version"))) {
      throw new IllegalArgumentException(FORMAT + " version " + json.getValue("version") + " is not supported (only "
        + VERSION + ")");
    }
  }

  /**
   * One event line read back, held to the receiver's rules (a screenshot needs no image); an import needs the
   * event's {@code id} and {@code session_id}, or importing twice could not skip it.
   *
   * @param nowMs the import's clock, for the future-timestamp rule and for held screenshots recorded as deleted
   * @throws InvalidEventException with the dead-letter reason and a detail naming the field
   */
  public static Imported parse(String line, long nowMs, ValidationLimits limits) {
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      throw new InvalidEventException(DeadLetterReason.NOT_AN_OBJECT, null, "the line is not a JSON object");
    }
    RawEvent e = EventJsonDecoder.decodeExported(json, nowMs, limits);
    for (String key : new String[]{"id", "session_id"}) {
      if (json.getValue(key) == null) {
        throw new InvalidEventException(DeadLetterReason.MISSING_FIELD, key, key + " is missing: an import needs it");
      }
    }
    if (e.eventType() != EventType.SCREENSHOT) {
      return new Imported(e, null, null, null);
    }
    JsonObject d = json.getJsonObject("data");
    long size = nonNegative(d, "size_bytes", 0L);
    Integer width = d.getValue("width") == null ? null : (int) nonNegative(d, "width", 0L);
    Integer height = d.getValue("height") == null ? null : (int) nonNegative(d, "height", 0L);
    ScreenshotStorage storage = d.getValue("storage") instanceof String s ? ScreenshotStorage.fromWireName(s) : null;
    if (storage == null || storage == ScreenshotStorage.DELETED) {
      storage = size == 0 ? ScreenshotStorage.NONE : ScreenshotStorage.DISK;
    }
    Long deletedAt = null;
    String reason = null;
    if (d.getValue("deleted_at") instanceof String at) {
      try {
        deletedAt = Timestamps.parse(at);
      } catch (IllegalArgumentException bad) {
        throw new InvalidEventException(DeadLetterReason.BAD_FIELD, "data.deleted_at", "data.deleted_at " + bad.getMessage());
      }
      reason = d.getValue("deleted_reason") instanceof String r ? r : IMPORTED;
    } else if (storage != ScreenshotStorage.NONE) {
      deletedAt = nowMs;
      reason = IMPORTED;
    }
    return new Imported(e, new ScreenshotRow(null, storage.wireName(), size, width, height), deletedAt, reason);
  }

  private static long nonNegative(JsonObject d, String key, long absent) {
    Object v = d.getValue(key);
    if (v == null) {
      return absent;
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 0
      || ((Number) v).longValue() > Integer.MAX_VALUE && !key.equals("size_bytes")) {
      throw new InvalidEventException(DeadLetterReason.BAD_FIELD, "data." + key, "data." + key
        + " must be a non-negative integer");
    }
    return ((Number) v).longValue();
  }
}
