package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.codecs.Addresses;

import java.util.Set;

/** The contract's addresses a bridge client may reach (CONTRACT §5), the same for the TCP and the SockJS bridge. */
public final class BridgeAllowList {

  /** What a bridge client may send or publish to (and request from). */
  public static final Set<String> INBOUND = Set.of(Addresses.RAW_EVENT, Addresses.ANALYSIS_COMPLETE, Addresses.SCREENSHOT,
    Addresses.QUERY);
  /** What a bridge client may register for. */
  public static final Set<String> OUTBOUND = Set.of(Addresses.EVENT_BATCH_JSON, Addresses.DEAD_LETTER);

  private BridgeAllowList() {
  }
}
