package dev.skellyjelly.storage.codecs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes records as the JSON forms of the contract (snake_case field names): a {@link RawEvent}, an
 * {@link EventBatch} as it is published, a {@link ScreenshotRef}; and reads a batch's form back. A raw event
 * coming in is {@link EventJsonDecoder}'s.
 */
public final class EventJson {

  private EventJson() {
  }

  /**
   * The JSON form of an event, its values computed now; a screenshot's image, when present, as base64url.
   * The fields are those of {@link JsonForm#EVENT}, which a batch's events show too.
   */
  public static JsonObject encode(RawEvent e) {
    return JsonForm.EVENT.build(e);
  }

  /**
   * The {@code data} object of an event's JSON form as a batch shows it (a screenshot's without its image),
   * which the holder may change: {@code encode(e.withoutImage()).getJsonObject("data")} without making the rest.
   */
  public static JsonObject data(RawEvent e) {
    return JsonForm.BATCH_EVENT.child(e).build(e.data());
  }

  /**
   * The JSON form of a batch as it is published: read-only at every level, screenshot events without their
   * image, each event's and screenshot ref's object (equal to {@code encode(event.withoutImage())} and
   * {@code encode(ref)}) built only when read, so that building it costs about half a kilobyte whatever its
   * number of events, and the copy each local consumer gets costs a few bytes. See {@link JsonBatch} for how a
   * consumer gets an object it can change.
   */
  public static JsonObject encode(EventBatch b) {
    JsonFields m = new JsonFields(11);
    m.add("window_id", b.windowId());
    m.add("session_id", b.sessionId());
    m.add("window_start", Timestamps.format(b.windowStartMs()));
    m.add("window_end", Timestamps.format(b.windowEndMs()));
    m.add("part", b.part());
    m.add("parts", b.parts());
    m.add("late", b.late());
    m.add("replayed", b.replayed());
    m.add("paused_ms", b.pausedMs());
    m.add("events", JsonBatch.array(JsonForm.BATCH_EVENT, b.events()));
    m.add("screenshot_refs", JsonBatch.array(JsonForm.SCREENSHOT_REF, b.screenshotRefs()));
    return new JsonBatch(m);
  }

  /** The JSON form of a screenshot ref, its values computed now. */
  public static JsonObject encode(ScreenshotRef r) {
    return JsonForm.SCREENSHOT_REF.build(r);
  }

  /**
   * Reads a batch's JSON form back (for consumers and tests). Its events are checked for shape, not held
   * to the receiver's rules (a batched screenshot event has no image).
   */
  public static EventBatch decodeBatch(JsonObject json) {
    JsonArray eventsJson = json.getJsonArray("events");
    List<RawEvent> events = new ArrayList<>(eventsJson.size());
    for (int i = 0; i < eventsJson.size(); i++) {
      events.add(EventJsonDecoder.decodeBatched(eventsJson.getJsonObject(i)));
    }
    JsonArray refsJson = json.getJsonArray("screenshot_refs");
    List<ScreenshotRef> refs = new ArrayList<>(refsJson.size());
    for (int i = 0; i < refsJson.size(); i++) {
      refs.add(decodeRef(refsJson.getJsonObject(i)));
    }
    return new EventBatch(json.getString("window_id"), json.getString("session_id"),
      Timestamps.parse(json.getString("window_start")), Timestamps.parse(json.getString("window_end")),
      json.getInteger("part"), json.getInteger("parts"), json.getBoolean("late"), json.getBoolean("replayed"),
      json.getLong("paused_ms", 0L), events, refs);
  }

  public static ScreenshotRef decodeRef(JsonObject r) {
    return new ScreenshotRef(r.getString("screenshot_id"), Timestamps.parse(r.getString("timestamp")),
      ImageFormat.fromWireName(r.getString("format")), r.getLong("size_bytes"), r.getInteger("width"),
      r.getInteger("height"), ScreenshotStorage.fromWireName(r.getString("storage")));
  }
}
