package dev.skellyjelly.storage.app.sim;

import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.WindowFocus;

import java.util.SplittableRandom;

/**
 * Realistic event data in plausible proportions: mostly mouse moves and keystrokes, some clicks, now and
 * then a window focus change or a process event; resource samples and screenshots on request. Deterministic
 * for a seed.
 */
public final class EventMix {

  private static final String[][] WINDOWS = {
    {"code", "StorageModule.java — skelly-jelly — Visual Studio Code"},
    {"firefox", "Pull requests · skelly-jelly — Mozilla Firefox"},
    {"slack", "#focus-club | Skelly Team — Slack"},
    {"terminal", "mvn -B verify — ~/src/skelly-jelly"},
    {"obsidian", "Daily note 2026-11-26 — Obsidian"},
    {"spotify", "Lo-fi beats to focus to — Spotify"},
    {"thunderbird", "Inbox (3) — Thunderbird"},
    {"figma", "Onboarding flow v3 – Figma"},
  };
  private static final String[] PROCESSES = {"chrome", "code", "slack", "zoom", "python3", "node", "java", "gcc"};

  private final SplittableRandom random;
  private int focused;
  private int x = 800;
  private int y = 450;

  public EventMix(long seed) {
    random = new SplittableRandom(seed);
  }

  /** The next input event: mouse, keyboard, window or process. */
  public EventData next() {
    double r = random.nextDouble();
    if (r < 0.55) {
      x = Math.max(0, Math.min(2559, x + random.nextInt(-12, 13)));
      y = Math.max(0, Math.min(1439, y + random.nextInt(-8, 9)));
      return new MouseMove(x, y, Math.round(random.nextDouble(0, 2400) * 10) / 10.0);
    }
    if (r < 0.88) {
      boolean shift = random.nextInt(10) == 0;
      boolean ctrl = random.nextInt(25) == 0;
      Long interval = random.nextInt(50) == 0 ? null : (long) (40 + random.nextInt(400));
      return new Keystroke(30 + random.nextInt(60), Keystroke.Modifiers.of(shift, ctrl, false, random.nextInt(200) == 0), interval);
    }
    if (r < 0.95) {
      MouseClick.Button button = random.nextInt(12) == 0 ? MouseClick.Button.RIGHT : MouseClick.Button.LEFT;
      MouseClick.ClickType type = random.nextInt(8) == 0 ? MouseClick.ClickType.DOUBLE : MouseClick.ClickType.SINGLE;
      return new MouseClick(x, y, button, type);
    }
    if (r < 0.985) {
      focused = random.nextInt(WINDOWS.length);
      return new WindowFocus(WINDOWS[focused][1], WINDOWS[focused][0], 1000 + focused * 37L,
        (long) random.nextInt(5_000, 600_000));
    }
    int p = random.nextInt(PROCESSES.length);
    ProcessEvent.Change change = ProcessEvent.Change.values()[random.nextInt(100) < 48 ? 0 : random.nextInt(100) < 96 ? 1 : 2];
    return new ProcessEvent(2000 + random.nextInt(60_000), PROCESSES[p], change);
  }

  public EventData resource() {
    return new ResourceUsage(Math.round(random.nextDouble(2, 180) * 10) / 10.0, 4000 + random.nextInt(12_000),
      Math.round(random.nextDouble(0, 40) * 100) / 100.0, Math.round(random.nextDouble(0, 12) * 100) / 100.0);
  }

  /** A capture of the focused window. */
  public EventData screenshot(byte[] png) {
    String[] w = WINDOWS[focused];
    return new Screenshot(Uuids.random(), ImageFormat.PNG, png, w[1], w[0], new Screenshot.Region(0, 0, 2560, 1440), false);
  }
}
