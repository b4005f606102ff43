package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import io.vertx.core.Handler;

import java.util.ArrayList;
import java.util.List;

/**
 * One bridge connection's fire-and-forget raw events, gathered while a socket read is handled and handed to the
 * receiver as one group, by reference: what the frames were read into (a record, or a JSON object) is what the
 * receiver validates (a bus message per event cost a task each and a deep copy of its body through the JSON
 * object codec). Used on the connection's event loop only.
 */
final class RawEventGathering {

  /** A group is handed to the receiver at the latest when it holds this many. */
  static final int GROUP_EVENTS = 500;
  private final Handler<RawEventGroup> receiver;
  private List<Object> group = new ArrayList<>();
  private boolean gatheredAny;

  /** {@code receiver}: where a group goes, from this connection's event loop (this node's receiver). */
  RawEventGathering(Handler<RawEventGroup> receiver) {
    this.receiver = receiver;
  }

  /** Takes a fire-and-forget body for {@code address}: true when it was a raw event, now gathered. */
  boolean gathered(String address, Object body) {
    if (!address.equals(Addresses.RAW_EVENT)) {
      return false;
    }
    group.add(body);
    gatheredAny = true;
    if (group.size() >= GROUP_EVENTS) {
      handOver();
    }
    return true;
  }

  /** Hands what was gathered to the receiver; before a frame that must come after them, and after each read. */
  void handOver() {
    if (!group.isEmpty()) {
      receiver.handle(new RawEventGroup(group));
      group = new ArrayList<>();
    }
  }

  /** At the end of a socket read: hands what was gathered over, and says whether the read brought any raw event. */
  boolean endOfRead() {
    handOver();
    boolean any = gatheredAny;
    gatheredAny = false;
    return any;
  }
}
