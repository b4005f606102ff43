package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.impl.InternalAddresses;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

import java.util.ArrayList;
import java.util.List;

/**
 * One bridge connection's fire-and-forget raw events, gathered while a socket read is handled and handed to the
 * receiver as one local message, by reference: their JSON objects, parsed once from the frames, are what the
 * receiver validates (a bus message per event cost a task each and a deep copy of its body through the JSON
 * object codec). Used on the connection's event loop only.
 */
final class RawEventGathering {

  /** A group is handed to the receiver at the latest when it holds this many. */
  static final int GROUP_EVENTS = 500;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final EventBus bus;
  private List<Object> group = new ArrayList<>();

  RawEventGathering(EventBus bus) {
    this.bus = bus;
  }

  /** Takes a fire-and-forget body for {@code address}: true when it was a raw event, now gathered. */
  boolean gathered(String address, Object body) {
    if (!address.equals(Addresses.RAW_EVENT)) {
      return false;
    }
    group.add(body);
    if (group.size() >= GROUP_EVENTS) {
      handOver();
    }
    return true;
  }

  /** Hands what was gathered to the receiver; before a frame that must come after them, and after each read. */
  void handOver() {
    if (!group.isEmpty()) {
      bus.send(InternalAddresses.RAW_EVENT_GROUP, new RawEventGroup(group), LOCAL);
      group = new ArrayList<>();
    }
  }
}
