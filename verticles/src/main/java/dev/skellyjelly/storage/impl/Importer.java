package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.ImportChunk;
import dev.skellyjelly.storage.impl.Messages.ImportResult;
import dev.skellyjelly.storage.impl.Messages.Imported;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletion;
import dev.skellyjelly.storage.impl.Messages.WindowKey;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Commits a chunk of an import (CONTRACT §8 Export format) on the writer's connection. An event whose id one of
 * its window's stored blocks holds, or that came earlier in the import, is skipped: the ids of each window the
 * chunk touches are read once from that window's blocks (their id columns only), so the check is exact however
 * old the events are (the recent-id tables remember two hours). The events go through the {@link Committer}
 * (blocks, counts, rollups, screenshot rows) in one transaction that also records them in
 * {@code imported_windows}, which the start-up replay counts as covered; nothing is published to the batcher, so
 * no batch ever carries them. An event whose window closed less than a window ago is skipped too: the batcher may
 * still be emitting that window.
 */
final class Importer {

  private Importer() {
  }

  /**
   * @param imported told each window that received events, so its pieces are compacted
   */
  static ImportResult commit(WriterConnection c, Committer committer, ImportChunk chunk, WindowRules rules,
                             long nowMs, Consumer<WindowKey> imported) throws SQLException {
    Map<WindowKey, Set<UUID>> idsByWindow = new HashMap<>();
    List<Accepted> entries = new ArrayList<>(chunk.events().size());
    List<ScreenshotDeletion> deletions = new ArrayList<>();
    Set<WindowKey> windows = new HashSet<>();
    int duplicates = 0;
    int tooRecent = 0;
    long receivedNanos = System.nanoTime();
    for (Imported im : chunk.events()) {
      RawEvent e = im.event();
      WindowKey key = new WindowKey(e.sessionId(), rules.start(e.timestampMs()));
      if (!rules.isClosed(key.windowStartMs(), nowMs - rules.windowMs())) {
        tooRecent++;
        continue;
      }
      Set<UUID> ids = idsByWindow.get(key);
      if (ids == null) {
        ids = storedIds(c, key);
        idsByWindow.put(key, ids);
      }
      // The window's set takes the chunk's ids too: a repeat within the import is a duplicate as well.
      if (!ids.add(UUID.fromString(e.id()))) {
        duplicates++;
        continue;
      }
      entries.add(new Accepted(e, false, im.screenshot(), receivedNanos, null));
      windows.add(key);
      if (e.eventType() == EventType.SCREENSHOT && im.deletedAtMs() != null) {
        deletions.add(new ScreenshotDeletion(((Screenshot) e.data()).screenshotId(), im.deletedAtMs(),
          im.deletedReason()));
      }
    }
    if (!entries.isEmpty()) {
      committer.commit(c, entries, List.of(), List.of(), nowMs, (t, plan) -> {
        t.writeAll(Sql.ADD_IMPORTED, plan.counts());
        t.writeAll(Sql.IMPORTED_DELETION, deletions);
      });
      windows.forEach(imported);
    }
    return new ImportResult(entries.size(), duplicates, tooRecent);
  }

  /** The ids of every event stored in one window of one session. */
  private static Set<UUID> storedIds(WriterConnection c, WindowKey key) throws SQLException {
    Set<UUID> ids = new HashSet<>();
    for (byte[] block : c.query(Sql.WINDOW_BLOCK_DATA, rs -> rs.getBytes(1), key.sessionId(),
      key.windowStartMs())) {
      EventBlocks.ids(block, ids);
    }
    return ids;
  }
}
