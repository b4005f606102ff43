package dev.skellyjelly.storage.app.net;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * Which part of a batch's firing may follow the last consumer message a bridge connection let through. A firing
 * over {@code max_events_per_batch} is published in parts, together (CONTRACT §3), and a part of 10 000 events is
 * estimated at 2.5 MB against a connection's 2 MiB share of the output budget: so once a firing's first part went
 * through, the bridges let its next parts through while the connection holds less than the whole budget (without
 * this a reader keeping up lost the second and third parts of every 30 000-event window). One per connection, on
 * its event loop.
 */
final class FiringParts {

  /** The part that may follow; -1 for none. */
  private int nextPart = -1;
  private int parts;
  private Object session;
  private Object windowStart;

  /** Whether {@code frame} carries the part that may follow the last one let through; asked once per message. */
  boolean follows(JsonObject frame) {
    boolean follows = nextPart >= 0 && BridgeFrames.body(frame) instanceof JsonObject batch
      && batch.getValue("part") instanceof Number part && part.intValue() == nextPart
      && batch.getValue("parts") instanceof Number n && n.intValue() == parts
      && Objects.equals(batch.getValue("session_id"), session) && Objects.equals(batch.getValue("window_start"), windowStart);
    nextPart = -1;
    return follows;
  }

  /** {@code frame} was let through: the part after it, if its firing has more, may follow it. */
  void letThrough(JsonObject frame) {
    if (BridgeFrames.body(frame) instanceof JsonObject batch && batch.getValue("part") instanceof Number part
      && batch.getValue("parts") instanceof Number n && part.intValue() + 1 < n.intValue()) {
      session = batch.getValue("session_id");
      windowStart = batch.getValue("window_start");
      parts = n.intValue();
      nextPart = part.intValue() + 1;
    }
  }
}
