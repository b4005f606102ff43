package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.ScreenshotRow;
import dev.skellyjelly.storage.impl.Messages.WindowKey;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one commit writes for a list of accepted events, worked out without the database. Each event gets the
 * next commit sequence number and joins the piece of its session, window and type (one block row each); the
 * pieces give the per-window counts; a screenshot event adds its metadata row. A producer-chosen id the database
 * already holds (the {@link Committer} claims them first), or that came earlier in the same list, is a
 * duplicate: acknowledged, not stored, and given no sequence number.
 *
 * @param sessions    the sessions of the events stored, each once, in the order each first appeared
 * @param blocks      one row per (session, window, type) present, in the order each first appeared
 * @param counts      the events committed per (session, window, type), in the same order
 * @param screenshots the metadata rows of the screenshot events
 * @param duplicates  the indexes of the entries not stored
 * @param lastSeq     the sequence number of the last event stored (the one given when none was)
 * @param stored      the events stored with their sequence numbers, in commit order (what the rollups add)
 */
record CommitPlan(List<String> sessions, List<BlockRow> blocks, List<Count> counts, List<NewScreenshot> screenshots,
                  BitSet duplicates, long lastSeq, List<EventBlocks.Entry> stored) {

  /** A row of {@code window_counts}: events of one type added to a window. */
  record Count(WindowKey key, EventType type, long events) {
  }

  /** A row of {@code screenshots}: what is kept of a capture, in the window that holds it. */
  record NewScreenshot(RawEvent event, Screenshot screenshot, ScreenshotRow row, long windowStartMs) {
  }

  private record PieceKey(WindowKey window, EventType type) {
  }

  /**
   * The plan for {@code entries}, numbered after {@code lastSeq}.
   *
   * @param storedIds the producer-chosen ids among {@code entries} that the database already holds
   * @param windowMs  the window length, which decides each event's window
   */
  static CommitPlan of(List<Accepted> entries, Set<String> storedIds, long lastSeq, long windowMs) {
    BitSet duplicates = new BitSet(entries.size());
    Set<String> seen = new HashSet<>();
    Map<PieceKey, List<EventBlocks.Entry>> pieces = new LinkedHashMap<>();
    List<NewScreenshot> screenshots = new ArrayList<>();
    List<EventBlocks.Entry> stored = new ArrayList<>(entries.size());
    long seq = lastSeq;
    for (int i = 0; i < entries.size(); i++) {
      Accepted a = entries.get(i);
      RawEvent e = a.event();
      if (a.producerId()) {
        if (storedIds.contains(e.id()) || !seen.add(e.id())) {
          duplicates.set(i);
          continue;
        }
      }
      WindowKey window = new WindowKey(e.sessionId(), WindowRules.start(e.timestampMs(), windowMs));
      EventBlocks.Entry entry = new EventBlocks.Entry(++seq, e);
      pieces.computeIfAbsent(new PieceKey(window, e.eventType()), k -> new ArrayList<>()).add(entry);
      stored.add(entry);
      if (a.screenshot() != null) {
        screenshots.add(new NewScreenshot(e, (Screenshot) e.data(), a.screenshot(), window.windowStartMs()));
      }
    }
    Set<String> sessions = new LinkedHashSet<>();
    List<BlockRow> blocks = new ArrayList<>(pieces.size());
    List<Count> counts = new ArrayList<>(pieces.size());
    pieces.forEach((key, piece) -> {
      sessions.add(key.window().sessionId());
      blocks.add(BlockRow.of(key.window(), key.type(), piece));
      counts.add(new Count(key.window(), key.type(), piece.size()));
    });
    return new CommitPlan(List.copyOf(sessions), blocks, counts, screenshots, duplicates, seq, stored);
  }
}
