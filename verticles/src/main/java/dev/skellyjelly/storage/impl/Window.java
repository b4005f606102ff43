package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.MeasuredEvents;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.impl.Messages.WindowKey;

import java.util.ArrayList;
import java.util.List;

/**
 * What the batcher has gathered for the next firing of one window: its events held in memory, or (once it
 * let go of them) only their count, read back from the database when it fires. Either way the screenshot
 * references of the window come along.
 */
sealed interface Window permits Window.Held, Window.Spilled {

  WindowKey key();

  /** The screenshot references of the window's events, by the order they were heard of. */
  List<ScreenshotRef> refs();

  /** The committed events of this firing. */
  long size();

  /**
   * A window whose events are in memory. One the batcher records keeps them packed and measured as they are added
   * ({@link MeasuredEvents}: what it holds of them, and its batch's text is not counted on its way out); one swept
   * from the database, published at once, keeps them as they were read.
   */
  record Held(WindowKey key, List<RawEvent> events, List<ScreenshotRef> refs) implements Window {

    Held(WindowKey key) {
      this(key, new MeasuredEvents(), new ArrayList<>());
    }

    @Override
    public long size() {
      return events.size();
    }

    /**
     * The same window without its events: they are committed, so it keeps only their count and the sequence
     * number its firing's events come after. Put in this window's place, it lets the events be collected.
     */
    Spilled spill(long afterSeq) {
      Spilled spilled = new Spilled(key, refs, afterSeq);
      spilled.count = events.size();
      return spilled;
    }
  }

  /**
   * A window whose events are in the database only: those of the window with {@code afterSeq < seq}, up to
   * the last sequence number heard when it fires.
   */
  final class Spilled implements Window {
    private final WindowKey key;
    private final List<ScreenshotRef> refs;
    private final long afterSeq;
    private long count;

    Spilled(WindowKey key, List<ScreenshotRef> refs, long afterSeq) {
      this.key = key;
      this.refs = refs;
      this.afterSeq = afterSeq;
    }

    /** A window whose events with {@code afterSeq < seq} are in the database only: {@code count} of them at most. */
    static Spilled range(WindowKey key, long afterSeq, long count) {
      Spilled w = new Spilled(key, new ArrayList<>(), afterSeq);
      w.count = count;
      return w;
    }

    /** A window as the database holds it at start-up: {@code count} committed events, none emitted. */
    static Spilled stored(WindowKey key, long count) {
      Spilled w = new Spilled(key, new ArrayList<>(), 0);
      w.count = count;
      return w;
    }

    @Override
    public WindowKey key() {
      return key;
    }

    @Override
    public List<ScreenshotRef> refs() {
      return refs;
    }

    @Override
    public long size() {
      return count;
    }

    long afterSeq() {
      return afterSeq;
    }

    /** One more of its events was committed. */
    void counted() {
      count++;
    }

    /** {@code n} of its events were deleted. */
    void uncounted(long n) {
      count = Math.max(0, count - n);
    }

    /** The same window holding its events, read back from the database. */
    Held hold(List<RawEvent> events) {
      return new Held(key, new MeasuredEvents(events), refs);
    }
  }
}
