package dev.skellyjelly.storage.app.sim;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.SplittableRandom;

/**
 * Draws a screenshot-like desktop with Java2D: a gradient wallpaper, text windows, a taskbar and a photo
 * viewer whose photo is noise, the one part of a screenshot that PNG cannot shrink much. How many rows of
 * photo it shows is what sets the encoded size.
 */
final class DesktopPainter {

  static final int TITLE = 30;
  static final int TASKBAR = 40;
  /** Margin between the viewer's frame and its photo. */
  static final int PAD = 8;
  static final int STATUS = 22;

  private static final String[] WORDS = {
    "return", "final", "window", "batch", "event", "commit", "session", "focus", "the", "of", "a", "storage",
    "screenshot", "if", "else", "for", "while", "new", "List", "String", "long", "int", "private", "static",
    "module", "verticle", "vertx", "future", "compose", "timer", "deadline", "analysis", "retention", "record",
    "Skelly", "jelly", "notes", "meeting", "draft", "review", "merge", "build", "green", "coffee", "today"
  };

  private final BufferedImage image;
  private final Rectangle photo;
  private final long seed;
  private final boolean dark;
  private final long noiseSeed;
  private SplittableRandom rnd;

  /**
   * @param image  a {@link BufferedImage#TYPE_3BYTE_BGR} image, the screen
   * @param photo  where the photo goes (inside a viewer window drawn around it): its place, width and the
   *               most rows it may have
   */
  DesktopPainter(BufferedImage image, Rectangle photo, long seed) {
    if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
      throw new IllegalArgumentException("needs a TYPE_3BYTE_BGR image, got type " + image.getType());
    }
    this.image = image;
    this.photo = photo;
    this.seed = seed;
    SplittableRandom theme = new SplittableRandom(seed ^ 0x5DEECE66DL);
    this.dark = theme.nextBoolean();
    this.noiseSeed = theme.nextLong() | 1L;
  }

  /** The desktop under the photo viewer, over every pixel of the screen, the same for the same seed. */
  void paintDesktop() {
    rnd = new SplittableRandom(seed);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      int w = image.getWidth();
      int screenH = image.getHeight() - TASKBAR;
      int hue = rnd.nextInt(360);
      // Vertical, so each row is one colour, as on most wallpapers' skies; it costs PNG next to nothing.
      g.setPaint(new GradientPaint(0, 0, Color.getHSBColor(hue / 360f, 0.55f, 0.45f),
        0, screenH, Color.getHSBColor(((hue + 50) % 360) / 360f, 0.65f, 0.18f)));
      g.fillRect(0, 0, w, screenH);
      int windows = 1 + rnd.nextInt(3);
      for (int i = 0; i < windows; i++) {
        int ww = w * (30 + rnd.nextInt(35)) / 100;
        int wh = screenH * (30 + rnd.nextInt(45)) / 100;
        textWindow(g, new Rectangle(rnd.nextInt(Math.max(1, w - ww)), rnd.nextInt(Math.max(1, screenH - wh)),
          ww, wh));
      }
      taskbar(g, w, screenH);
    } finally {
      g.dispose();
    }
  }

  /** The photo viewer, on top of the desktop, around {@code photoRows} rows of photo (left to paint). */
  void paintViewer(int photoRows) {
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      Rectangle r = new Rectangle(photo.x - PAD, photo.y - PAD - TITLE, photo.width + 2 * PAD,
        TITLE + 2 * PAD + photoRows + STATUS);
      frame(g, r, "IMG_" + (1000 + Math.floorMod(seed, 9000)) + ".jpg — Photos");
      g.setColor(new Color(0x18181A));
      g.fillRect(r.x + 1, r.y + TITLE, r.width - 2, r.height - TITLE - 1);
      g.setColor(dark ? new Color(0xC0C0C0) : new Color(0x404040));
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawString(photo.width + " × " + photoRows + "   100 %", r.x + 10, r.y + r.height - 7);
    } finally {
      g.dispose();
    }
  }

  BufferedImage image() {
    return image;
  }

  /** A desktop thumbnail, too small for a taskbar: wallpaper and one window with a title bar. */
  static void paintThumbnail(BufferedImage image, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Graphics2D g = image.createGraphics();
    try {
      g.setColor(new Color(rnd.nextInt(0x1000000)));
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      Rectangle r = new Rectangle(4 + rnd.nextInt(16), 2 + rnd.nextInt(8), image.getWidth() * 5 / 8,
        image.getHeight() * 2 / 3);
      g.setColor(new Color(0xF0F0F0 - rnd.nextInt(0x202020)));
      g.fillRect(r.x, r.y, r.width, r.height);
      g.setColor(new Color(rnd.nextInt(0x1000000)));
      g.fillRect(r.x, r.y, r.width, 4);
    } finally {
      g.dispose();
    }
  }

  /**
   * Fills the first {@code rows} rows of the photo with a smooth colour field plus 7 random bits per channel, written
   * straight into the raster (Java2D has no cheaper way to set millions of distinct pixels).
   */
  void paintPhoto(int rows) {
    byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    int stride = 3 * image.getWidth();
    for (int row = 0; row < rows; row++) {
      // One generator per row, so a row looks the same whichever pass paints it.
      long s = noiseSeed ^ (row * 0x9E3779B97F4A7C15L);
      int green = row * 127 / Math.max(1, photo.height);
      int i = (photo.y + row) * stride + 3 * photo.x;
      for (int x = 0; x < photo.width; x += 2) {
        s ^= s << 13;
        s ^= s >>> 7;
        s ^= s << 17;
        int red = x * 127 / photo.width;
        for (int k = 0; k < 2 && x + k < photo.width; k++, i += 3) {
          int bits = (int) (s >>> (24 * k));
          pixels[i] = (byte) (127 - red / 2 + ((bits >>> 16) & 0x7F));
          pixels[i + 1] = (byte) (green + ((bits >>> 8) & 0x7F));
          pixels[i + 2] = (byte) (red + (bits & 0x7F));
        }
      }
    }
  }

  private void textWindow(Graphics2D g, Rectangle r) {
    frame(g, r, titleOf(rnd.nextInt(WORDS.length)));
    Color body = dark ? new Color(0x1E1E1E + rnd.nextInt(8) * 0x010101) : new Color(0xFFFFFF - rnd.nextInt(8) * 0x010101);
    g.setColor(body);
    g.fillRect(r.x + 1, r.y + TITLE, r.width - 2, r.height - TITLE - 1);
    g.setColor(dark ? new Color(0xD4D4D4) : new Color(0x1F1F1F));
    g.setFont(new Font(rnd.nextBoolean() ? Font.MONOSPACED : Font.SANS_SERIF, Font.PLAIN, 13));
    Rectangle clip = new Rectangle(r.x + 12, r.y + TITLE, r.width - 24, r.height - TITLE - 12);
    Graphics2D text = (Graphics2D) g.create();
    try {
      text.clip(clip);
      for (int y = r.y + TITLE + 22; y < r.y + r.height - 12; y += 18) {
        if (rnd.nextInt(8) == 0) {
          continue; // a blank line
        }
        text.drawString(line(clip.width / 7), r.x + 12 + 24 * rnd.nextInt(4), y);
      }
    } finally {
      text.dispose();
    }
  }

  /** A window's frame, title bar, title and three buttons. */
  private void frame(Graphics2D g, Rectangle r, String title) {
    g.setColor(dark ? new Color(0x2B2B30) : new Color(0xE8EAED));
    g.fillRect(r.x, r.y, r.width, TITLE);
    g.setColor(dark ? new Color(0xE8E8E8) : new Color(0x202020));
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    g.drawString(title, r.x + 12, r.y + 20);
    for (int i = 0; i < 3; i++) {
      g.setColor(i == 0 ? new Color(0xE81123) : dark ? new Color(0x606068) : new Color(0xB0B4B8));
      g.fillOval(r.x + r.width - 28 - 22 * i, r.y + 9, 12, 12);
    }
    g.setColor(dark ? new Color(0x505058) : new Color(0xA0A4A8));
    g.setStroke(new BasicStroke(1));
    g.drawRect(r.x, r.y, r.width - 1, r.height - 1);
  }

  private void taskbar(Graphics2D g, int w, int top) {
    g.setColor(dark ? new Color(0x202024) : new Color(0xDDE1E6));
    g.fillRect(0, top, w, TASKBAR);
    g.setColor(dark ? new Color(0x3A3A40) : new Color(0xB8BCC2));
    g.drawLine(0, top, w, top);
    int icons = 4 + rnd.nextInt(8);
    for (int i = 0; i < icons && 12 + i * 40 + 24 < w - 120; i++) {
      g.setColor(new Color(rnd.nextInt(0x1000000)));
      g.fillRoundRect(12 + i * 40, top + 8, 24, 24, 6, 6);
    }
    g.setColor(dark ? new Color(0xE0E0E0) : new Color(0x202020));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString(String.format("%02d:%02d", rnd.nextInt(24), rnd.nextInt(60)), w - 60, top + 25);
  }

  private String titleOf(int word) {
    return WORDS[word] + ".txt — " + WORDS[(word + 7) % WORDS.length];
  }

  /** Words up to about {@code chars} characters, like a line of prose or code. */
  private String line(int chars) {
    int length = chars / 4 + rnd.nextInt(Math.max(1, chars * 3 / 4));
    StringBuilder b = new StringBuilder(length + 12);
    while (b.length() < length) {
      b.append(WORDS[rnd.nextInt(WORDS.length)]).append(rnd.nextInt(6) == 0 ? "(); " : " ");
    }
    return b.toString();
  }
}
