package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.MeasuredEvents;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.impl.Messages.RecordedWindow;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WindowRemoval;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The windows the batcher keeps a record of, open and late, within bounds in count and in bytes
 * ({@link HeldCost} for a window, {@link MeasuredEvents#heldBytes} for its events, packed): at most {@link #MAX_WINDOWS} windows, and at most {@link #MAX_HELD} events or
 * {@link #MAX_HELD_BYTES} bytes of events held in memory. Past the held bound the window an event just joined
 * lets go of its events (they are committed; it keeps their count and is read back from the database when it
 * fires): one window per event at most, never a search. Past the window bound no window is added: the
 * batcher leaves such windows to a sweep of the database ({@link WindowSweeps}).
 */
final class WindowTable {

  /** Windows recorded at most, open and late together: about {@link HeldCost#WINDOW} bytes each. */
  static final int MAX_WINDOWS = 20_000;
  /** Committed events held in memory for recorded windows, at most. */
  static final int MAX_HELD = 50_000;
  /**
   * The bytes of those events, at most: 12 MiB, far more than {@link #MAX_HELD} events of the usual mix take
   * packed (about 60 bytes each), so that it bounds events with long strings (window titles); the module's bounds
   * together fit its heap (HeapBudgetTest).
   */
  static final long MAX_HELD_BYTES = 12L << 20;

  /** Its log lines are the batcher's, under the batcher's name. */
  private static final Logger LOG = LoggerFactory.getLogger(BatcherVerticle.class);
  private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

  private final int maxWindows;
  private long lastSpillLog;
  private final long maxHeld;
  private final long maxHeldBytes;
  private final Map<WindowKey, Window> open = new LinkedHashMap<>();
  private Map<WindowKey, Window> late = new LinkedHashMap<>();
  private long heldEvents;
  private long heldBytes;
  private long refs;

  /** The heap the table may take at most with the default bounds: its windows' records and the events held. */
  static long boundBytes() {
    return MAX_WINDOWS * HeldCost.WINDOW + MAX_HELD_BYTES;
  }

  WindowTable() {
    this(MAX_WINDOWS, MAX_HELD, MAX_HELD_BYTES);
  }

  WindowTable(int maxWindows, long maxHeld, long maxHeldBytes) {
    this.maxWindows = maxWindows;
    this.maxHeld = maxHeld;
    this.maxHeldBytes = maxHeldBytes;
  }

  /** The recorded window of {@code key}, open or late, or null. */
  Window find(WindowKey key) {
    Window w = open.get(key);
    return w != null ? w : late.get(key);
  }

  /** Whether another window can be recorded. */
  boolean hasRoom() {
    return open.size() + late.size() < maxWindows;
  }

  /** Records a new, empty window held in memory; the caller checked {@link #hasRoom}. */
  Window.Held add(WindowKey key, boolean isLate) {
    Window.Held w = new Window.Held(key);
    (isLate ? late : open).put(key, w);
    return w;
  }

  /** Records a window as the database holds it (at start-up), kept in memory only if few enough events. */
  void addStored(Window w) {
    open.put(w.key(), w);
    if (w instanceof Window.Held h) {
      heldEvents += h.events().size();
      heldBytes += heldBytes(h.events());
    }
  }

  /** Whether {@code events} more could be held in memory. */
  boolean canHold(long events) {
    return heldEvents + events <= maxHeld;
  }

  /**
   * Adds a committed event to its recorded window. When the events held pass a bound, that window lets go of
   * its events: {@code afterSeq} is the sequence bound its firing reads back from (its last firing's).
   */
  void add(Window w, RawEvent e, ScreenshotRef ref, long afterSeq) {
    if (ref != null) {
      w.refs().add(ref);
      refs++;
    }
    if (w instanceof Window.Spilled s) {
      s.counted();
      return;
    }
    Window.Held h = (Window.Held) w;
    if (h.events() instanceof MeasuredEvents m) {
      long before = m.heldBytes();
      m.add(e);
      heldBytes += m.heldBytes() - before;
    } else {
      h.events().add(e);
      heldBytes += HeldCost.of(e);
    }
    heldEvents++;
    if (heldEvents > maxHeld || heldBytes > maxHeldBytes) {
      long now = System.nanoTime();
      if (lastSpillLog == 0 || now - lastSpillLog >= LOG_INTERVAL_NANOS) {
        lastSpillLog = now;
        LOG.info("{} committed events ({} bytes) wait for their windows to close; the window of {} of session {} "
          + "({} events) will be read back from the database", heldEvents, heldBytes,
          Timestamps.format(h.key().windowStartMs()), h.key().sessionId(), h.events().size());
      }
      release(h);
      Map<WindowKey, Window> in = open.containsKey(h.key()) ? open : late;
      in.put(h.key(), h.spill(afterSeq));
    }
  }

  /** The windows recorded, for a deletion: held in memory, or kept as a count of events after a sequence number. */
  List<RecordedWindow> recorded() {
    List<RecordedWindow> all = new ArrayList<>(open.size() + late.size());
    for (Map<WindowKey, Window> in : List.of(open, late)) {
      for (Window w : in.values()) {
        all.add(w instanceof Window.Spilled s ? new RecordedWindow(w.key(), true, s.afterSeq())
          : new RecordedWindow(w.key(), false, 0));
      }
    }
    return all;
  }

  /**
   * Takes what a deletion removed out of the recorded windows; a window left with neither events nor screenshot
   * references is no longer recorded (it has nothing to fire). Returns the events taken out.
   */
  long remove(List<WindowRemoval> removals) {
    long removed = 0;
    for (WindowRemoval r : removals) {
      Map<WindowKey, Window> in = open.containsKey(r.key()) ? open : late.containsKey(r.key()) ? late : null;
      if (in == null) {
        continue;
      }
      Window w = in.get(r.key());
      removed += strip(w, r, true);
      if (w.size() == 0 && w.refs().isEmpty()) {
        in.remove(r.key());
      }
    }
    return removed;
  }

  /**
   * Takes a deletion's events and screenshot references out of one window; {@code recorded}: the window is in
   * the table, whose accounting follows. Returns the events taken out.
   */
  long strip(Window w, WindowRemoval r, boolean recorded) {
    int refsBefore = w.refs().size();
    w.refs().removeIf(ref -> r.screenshotIds().contains(ref.screenshotId()));
    if (recorded) {
      refs -= refsBefore - w.refs().size();
    }
    if (w instanceof Window.Spilled s) {
      long before = s.size();
      s.uncounted(r.spilledEvents());
      return before - s.size();
    }
    List<RawEvent> events = ((Window.Held) w).events();
    long before = heldBytes(events);
    int sizeBefore = events.size();
    if (!r.eventIds().isEmpty()) {
      events.removeIf(e -> r.eventIds().contains(e.id()));
    }
    long removed = sizeBefore - events.size();
    if (recorded) {
      heldEvents -= removed;
      heldBytes -= before - heldBytes(events);
    }
    return removed;
  }

  /** Whether the open window recorded first is closed at {@code nowMs}: a look at one window, never a search. */
  boolean oldestOpenClosed(WindowRules rules, long nowMs) {
    return !open.isEmpty() && rules.isClosed(open.keySet().iterator().next().windowStartMs(), nowMs);
  }

  /** Takes up to {@code max} open windows closed at {@code nowMs} out of the table, in the order they were opened. */
  List<Window> takeClosed(WindowRules rules, long nowMs, int max) {
    List<Window> closed = new ArrayList<>();
    for (Iterator<Window> it = open.values().iterator(); it.hasNext() && closed.size() < max; ) {
      Window w = it.next();
      if (rules.isClosed(w.key().windowStartMs(), nowMs)) {
        it.remove();
        closed.add(released(w));
      }
    }
    return closed;
  }

  /** Takes up to {@code max} open windows out of the table, closed or not (a stop emits them all). */
  List<Window> takeOpen(int max) {
    List<Window> taken = new ArrayList<>();
    for (Iterator<Window> it = open.values().iterator(); it.hasNext() && taken.size() < max; ) {
      taken.add(released(it.next()));
      it.remove();
    }
    return taken;
  }

  /** Takes every late window out of the table. */
  List<Window> takeLate() {
    if (late.isEmpty()) {
      return List.of();
    }
    List<Window> all = new ArrayList<>(late.values());
    late = new LinkedHashMap<>();
    all.forEach(this::released);
    return all;
  }

  private Window released(Window w) {
    refs -= w.refs().size();
    if (w instanceof Window.Held h) {
      release(h);
    }
    return w;
  }

  private void release(Window.Held h) {
    heldBytes -= heldBytes(h.events());
    heldEvents -= h.events().size();
  }

  /** What a window's events take: packed, as the table's own windows keep them, or as objects. */
  private static long heldBytes(List<RawEvent> events) {
    if (events instanceof MeasuredEvents m) {
      return m.heldBytes();
    }
    long n = 0;
    for (RawEvent e : events) {
      n += HeldCost.of(e);
    }
    return n;
  }

  int openWindows() {
    return open.size();
  }

  long heldEvents() {
    return heldEvents;
  }

  /** Bytes the table holds: its windows, their screenshot references and the events held. */
  long bytes() {
    return (open.size() + late.size()) * HeldCost.WINDOW + refs * HeldCost.REF + heldBytes;
  }
}
