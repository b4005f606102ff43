package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The exclusion rules of CONTRACT §8 as the receiver applies them to valid events, on its event loop only. A
 * {@code window_focus} or screenshot whose {@code app_name} is in {@code excluded_apps} (case-insensitive, exact) or
 * whose {@code window_title} matches one of {@code excluded_title_patterns} becomes a focus change to the app
 * {@value #PRIVATE_APP} with an empty title, process 0 and nothing else; an input event or screenshot whose
 * timestamp falls while {@value #PRIVATE_APP} has its session's focus is dropped.
 *
 * <p>Which app has the focus is known from the focus changes this module received since it started: per session
 * the newest {@link #CHANGES_PER_SESSION} (by timestamp), for the {@link #SESSIONS} sessions most recently heard
 * of. An input event older than every focus change remembered for its session is kept.
 */
public final class Exclusions {

  /** The app an excluded focus is stored as. */
  public static final String PRIVATE_APP = "(private)";
  static final int CHANGES_PER_SESSION = 256;
  static final int SESSIONS = 1_024;

  /** What to do with a valid event. */
  public enum Verdict { KEEP, PRIVATE_FOCUS, DROP }

  private final Set<String> apps;
  private final List<Pattern> titles;
  /** Per session, focus change timestamp → whether that focus is private; least recently used session first. */
  private final LinkedHashMap<String, TreeMap<Long, Boolean>> focus = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, TreeMap<Long, Boolean>> eldest) {
      if (size() <= SESSIONS) {
        return false;
      }
      eldest.getValue().values().forEach(Exclusions.this::forgot);
      return true;
    }
  };
  /**
   * The private focus changes remembered, over all sessions: while there is none, no input event can fall in a
   * private focus, and the per-event lookup is skipped.
   */
  private int privateChanges;

  public Exclusions(List<String> excludedApps, List<String> excludedTitlePatterns) {
    apps = excludedApps.stream().map(a -> a.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    List<Pattern> compiled = new ArrayList<>();
    for (String p : excludedTitlePatterns) {
      compiled.add(Pattern.compile(p));
    }
    titles = List.copyOf(compiled);
  }

  /** Whether a window of this app and title is private; either may be null. */
  public boolean excluded(String appName, String windowTitle) {
    if (appName != null && apps.contains(appName.toLowerCase(Locale.ROOT))) {
      return true;
    }
    if (windowTitle != null) {
      for (Pattern p : titles) {
        if (p.matcher(windowTitle).find()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether an input that failed validation names a private app or title (a JSON object's {@code data.app_name}
   * or {@code data.window_title}, when they are strings), so that nothing of it may be echoed in a dead letter
   * or a log line.
   */
  public boolean namesExcluded(Object body) {
    if (body instanceof RawEvent e) {
      return e.data() instanceof WindowFocus w && excluded(w.appName(), w.windowTitle())
        || e.data() instanceof Screenshot s && excluded(s.appName(), s.windowTitle());
    }
    if (body instanceof JsonObject json && json.getValue("data") instanceof JsonObject data) {
      Object app = data.getValue("app_name");
      Object title = data.getValue("window_title");
      return excluded(app instanceof String a ? a : null, title instanceof String t ? t : null);
    }
    return false;
  }

  /** Decides about a valid event and remembers the focus change it is. */
  public Verdict judge(RawEvent e) {
    EventType type = e.eventType();
    if (e.data() instanceof WindowFocus w) {
      boolean priv = excluded(w.appName(), w.windowTitle());
      remember(e, priv);
      return priv ? Verdict.PRIVATE_FOCUS : Verdict.KEEP;
    }
    if (e.data() instanceof Screenshot s && excluded(s.appName(), s.windowTitle())) {
      remember(e, true);
      return Verdict.PRIVATE_FOCUS;
    }
    if (type == EventType.KEYSTROKE || type == EventType.MOUSE_MOVE || type == EventType.MOUSE_CLICK
      || type == EventType.SCREENSHOT) {
      if (privateChanges == 0) {
        return Verdict.KEEP;
      }
      TreeMap<Long, Boolean> changes = focus.get(e.sessionId());
      Map.Entry<Long, Boolean> at = changes == null ? null : changes.floorEntry(e.timestampMs());
      return at != null && at.getValue() ? Verdict.DROP : Verdict.KEEP;
    }
    return Verdict.KEEP;
  }

  /** The focus change an excluded window_focus or screenshot is stored as: same id, session and time. */
  public static RawEvent privateFocus(RawEvent e) {
    return new RawEvent(e.id(), e.sessionId(), e.timestampMs(), new WindowFocus("", PRIVATE_APP, 0, null));
  }

  private void remember(RawEvent e, boolean priv) {
    TreeMap<Long, Boolean> changes = focus.computeIfAbsent(e.sessionId(), s -> new TreeMap<>());
    Boolean before = changes.put(e.timestampMs(), priv);
    if (before != null) {
      forgot(before);
    }
    if (priv) {
      privateChanges++;
    }
    if (changes.size() > CHANGES_PER_SESSION) {
      forgot(changes.pollFirstEntry().getValue());
    }
  }

  private void forgot(boolean wasPrivate) {
    if (wasPrivate) {
      privateChanges--;
    }
  }
}
