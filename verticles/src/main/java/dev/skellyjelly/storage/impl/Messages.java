package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.ImageInfo;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import io.vertx.core.eventbus.Message;

import java.util.BitSet;
import java.util.List;
import java.util.function.Supplier;

/** The immutable messages the module's verticles exchange (local only, passed by reference). */
public final class Messages {

  private Messages() {
  }

  /**
   * One accepted event on its way to the database.
   *
   * @param event      with id and session assigned, without image bytes
   * @param screenshot for a screenshot event: its metadata row (storage, dimensions), else null
   * @param receivedNanos when the receiver accepted it, for the persist-latency timer
   * @param producerId whether the producer chose the id (only those can be re-sent)
   * @param ack        the producer's request to answer after commit, or null (fire-and-forget)
   */
  public record Accepted(RawEvent event, boolean producerId, ScreenshotRow screenshot, long receivedNanos,
                         Message<Object> ack) {
  }

  /**
   * Raw-event bodies as a bridge parsed them (a JSON object, or whatever else a frame carried), in the order they
   * arrived, none expecting a reply; passed by reference, so no body is copied on its way to the receiver.
   */
  public record RawEventGroup(List<Object> bodies) {
  }

  /**
   * A raw event a bridge read straight into its record from its JSON (no tree in between), and how to get that
   * JSON back: the receiver holds the record to the typed rules, and when they refuse it, decodes the JSON the
   * checking way, so its dead letter is the one the JSON would have had.
   */
  public record Predecoded(RawEvent event, Supplier<Object> json) {
  }

  /** What the screenshots table keeps of a capture, never the pixels; {@code ref} null when it had no image. */
  public record ScreenshotRow(ScreenshotRef ref, String storage, long sizeBytes, Integer width, Integer height) {
  }

  public record WriteGroup(List<Accepted> entries) {
  }

  /** Which entries of a group (by index) were re-sent ids, acknowledged but not stored again. */
  public record CommitReceipt(BitSet duplicates) {
  }

  /** Events newly committed, in commit order. */
  public record CommittedGroup(List<Accepted> entries, long lastSeq) {
  }

  /** A row of the batches table. */
  public record BatchRecord(String windowId, String sessionId, long windowStartMs, long windowEndMs, int part,
                            int parts, long firing, int eventCount, int screenshotCount, boolean late,
                            boolean replayed, long emittedAtMs, long pausedMs) {
  }

  /** A row of the pauses table to insert or replace (the pause starting at {@code startMs}). */
  public record PauseRecord(long startMs, Long endMs) {
  }

  public record BatchRecords(List<BatchRecord> records) {
  }

  /** Asks the writer what start-up must replay, given the clock and the window settings. */
  public record ReplayRequest(long nowMs, WindowRules rules) {
  }

  /**
   * What start-up finds in the database.
   *
   * @param due     windows past their close whose committed events were not all emitted: replay them
   * @param open    windows not yet due with unemitted committed events: the batcher takes them back
   * @param firings the last firing number of each recent window that has emitted batches
   * @param counts  the committed events of each due or open window
   * @param lastSeq the last commit sequence number when the plan was made
   */
  public record ReplayPlan(List<WindowKey> due, List<WindowKey> open, List<Firing> firings,
                           java.util.Map<WindowKey, Long> counts, long lastSeq) {
  }

  public record WindowKey(String sessionId, long windowStartMs) {
  }

  /**
   * Asks the writer for a page of one window's committed events: the first {@code limit} with
   * {@code afterSeq < seq <= uptoSeq}, in commit order; answered with {@link WindowEvents}.
   */
  public record WindowQuery(String sessionId, long windowStartMs, long afterSeq, long uptoSeq, int limit) {
  }

  /** A page of a window's events, the sequence number of its last, and every screenshot of the window. */
  public record WindowEvents(String sessionId, long windowStartMs, List<RawEvent> events, List<ScreenshotRef> refs,
                             long lastSeq) {
  }

  public record Firing(String sessionId, long windowStartMs, long lastFiring) {
  }

  /**
   * Asks the writer for the next page of a sweep of one window start: the windows of sessions whose key (sessions.sk)
   * follows {@code afterKey} (0 for the first), their events with {@code afterSeq < seq <= uptoSeq}, at most
   * {@code maxEvents} events in all; answered with {@link SweepPage}.
   */
  public record SweepQuery(long windowStartMs, long afterKey, long afterSeq, long uptoSeq, int maxEvents) {
  }

  /**
   * A page of a sweep: whole windows, each with its last firing so far ({@code firings}, absent if none), and
   * the session key the next page starts after ({@code null} when the sweep is done). {@code large} names a window with more
   * events than a page, to be read on its own, page by page, with at most {@code largeCount} events.
   */
  public record SweepPage(List<WindowEvents> windows, List<Firing> firings, String large, long largeCount,
                          Long nextKey) {
  }

  /** Asks the writer for the last firing of each of these windows; answered with {@link LastFirings}. */
  public record FiringsQuery(List<WindowKey> keys) {
  }

  /** The last firing of each window asked about that has one. */
  public record LastFirings(List<Firing> firings) {
  }

  /** A screenshot to keep until its batch is analysed. */
  public record StoreScreenshot(Screenshot screenshot, ImageInfo info, String sessionId, long timestampMs) {
  }

  /** A batch was emitted carrying these screenshots. */
  public record BatchEmitted(String windowId, long emittedAtMs, List<String> screenshotIds) {
  }

  /** Screenshots handed to the store for events that turned out to be re-sent ids. */
  public record DuplicateScreenshots(List<String> screenshotIds) {
  }

  public record ScreenshotDeletion(String screenshotId, long deletedAtMs, String reason) {
  }

  public record ScreenshotDeletions(List<ScreenshotDeletion> deletions) {
  }

  /**
   * A window the batcher has a record of while a deletion is under way: {@code spilled} when it keeps only a count
   * of its events (those with {@code afterSeq < seq}), else it holds them.
   */
  public record RecordedWindow(WindowKey key, boolean spilled, long afterSeq) {
  }

  /** Batcher → writer, the answer to a deletion's hold: the windows it has a record of; none fires until released. */
  public record RecordedWindows(List<RecordedWindow> windows) {
  }

  /**
   * What a deletion removed of one window the batcher may have: the ids of the events removed (for a window it
   * holds, or one it may have opened since) and how many of them came after the window's {@code afterSeq} (for a
   * window it keeps only a count of).
   */
  public record WindowRemoval(WindowKey key, java.util.Set<String> eventIds, java.util.Set<String> screenshotIds,
                              long spilledEvents) {
  }

  /** Writer → batcher: a deletion is committed; drop these from the windows and fire again. */
  public record DeletionRelease(List<WindowRemoval> removals) {
  }

  /** Writer → screenshot store: the pixels of screenshots a deletion removed go now. */
  public record ForgetScreenshots(List<String> screenshotIds) {
  }

  /**
   * One event of an export read back, validated, for import: with its screenshot's metadata row (no pixels) and
   * the deletion the export recorded for it (null when it had none).
   */
  public record Imported(RawEvent event, ScreenshotRow screenshot, Long deletedAtMs, String deletedReason) {
  }

  /** Events of an import, committed together without telling the batcher: history is not news. */
  public record ImportChunk(List<Imported> events) {
  }

  /**
   * What the writer did with an {@link ImportChunk}: events stored, events skipped because their id is stored
   * already (or came earlier in the import), and events skipped because their window may still be emitted.
   */
  public record ImportResult(int stored, int duplicates, int tooRecent) {
  }
}
