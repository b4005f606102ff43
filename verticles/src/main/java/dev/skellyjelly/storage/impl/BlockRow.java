package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.impl.Messages.WindowKey;

import java.util.List;

/**
 * One row of {@code event_blocks}: events of one session, window and type, encoded by {@link EventBlocks},
 * with their number and the first and last of their commit sequence numbers. What a commit writes as a piece
 * and what compaction writes as a block have this one form.
 */
record BlockRow(WindowKey key, EventType type, int events, long minSeq, long maxSeq, byte[] data) {

  /** The row holding {@code entries}, in commit order. */
  static BlockRow of(WindowKey key, EventType type, List<EventBlocks.Entry> entries) {
    return new BlockRow(key, type, entries.size(), entries.get(0).seq(), entries.get(entries.size() - 1).seq(),
      EventBlocks.encode(entries));
  }
}
