package dev.skellyjelly.storage.app.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Makes real, decodable PNG files for the screen-capture simulator, written by hand with the JDK
 * only (no ImageIO on this path, which would be far too slow for multi-megabyte images).
 *
 * <p>Output is deterministic for the same arguments on the same JDK: the size control in
 * {@link #screenshot} measures the Deflater's output, so a different zlib build may pick a
 * slightly different picture, still within tolerance.
 */
public final class PngFactory {

  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  // Signature plus the whole IHDR chunk (13 data bytes + 12 overhead).
  private static final int HEAD_BYTES = 8 + 25;
  private static final int CHUNK_OVERHEAD = 12;
  private static final int IEND_BYTES = CHUNK_OVERHEAD;

  /** Common screen sizes, smallest first. */
  private static final int[][] SCREENS = {
    {1280, 720}, {1366, 768}, {1440, 900}, {1536, 864}, {1600, 900}, {1920, 1080},
    {1920, 1200}, {2560, 1440}, {2560, 1600}, {3440, 1440}, {3840, 2160}
  };

  // Compressed bytes per screen pixel that full-density text adds (measured, level 6).
  private static final double TEXT_BYTES_PER_PIXEL = 0.0062;

  private PngFactory() {}

  /**
   * A screenshot-like truecolor PNG whose file length is within 15 % of {@code targetBytes} for
   * targets from 50 KB to 10 MB (outside that range the size is best effort).
   *
   * <p>The picture is a desktop: a wallpaper, a few text windows and a taskbar, all flat colours
   * that compress to almost nothing, plus one photo-viewer window full of noisy pixels. The photo
   * grows row by row until the measured compressed size reaches the target, so one pass suffices.
   *
   * @throws IllegalArgumentException if {@code targetBytes < 1}
   */
  public static byte[] screenshot(int targetBytes, long seed) {
    if (targetBytes < 1) {
      throw new IllegalArgumentException("targetBytes must be positive: " + targetBytes);
    }
    return new Screenshot(targetBytes, seed).render();
  }

  /**
   * {@code png} with {@code marker} stored in an ancillary private chunk "skMk" right after IHDR.
   * Decoders skip the chunk, so the result still decodes to the same picture, and the marker
   * appears verbatim in the file.
   *
   * @throws IllegalArgumentException if {@code png} does not start with a PNG signature and IHDR,
   *     or {@code marker} is null
   */
  public static byte[] withMarker(byte[] png, byte[] marker) {
    if (marker == null) {
      throw new IllegalArgumentException("marker is null");
    }
    checkPngHead(png);
    long total = (long) png.length + CHUNK_OVERHEAD + marker.length;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("marked PNG would exceed 2 GiB");
    }
    byte[] out = new byte[(int) total];
    System.arraycopy(png, 0, out, 0, HEAD_BYTES);
    int pos = writeChunk(out, HEAD_BYTES, "skMk", marker, 0, marker.length);
    System.arraycopy(png, HEAD_BYTES, out, pos, png.length - HEAD_BYTES);
    return out;
  }

  /**
   * A valid PNG of exactly {@code totalBytes} bytes: a small real picture plus an ancillary
   * private chunk "skPd" of seeded random bytes (random, so storage-side compression cannot
   * shrink it more than it would a real screenshot).
   *
   * @throws IllegalArgumentException if {@code totalBytes < 200}
   */
  public static byte[] ofExactSize(int totalBytes, long seed) {
    if (totalBytes < 200) {
      throw new IllegalArgumentException("totalBytes must be at least 200: " + totalBytes);
    }
    byte[] base = tinyPng(seed);
    int padding = totalBytes - base.length - CHUNK_OVERHEAD;
    if (padding < 0) {
      // tinyPng() stays far below 188 bytes; this guards against a future edit breaking that.
      throw new IllegalStateException("base PNG too large: " + base.length);
    }
    byte[] out = new byte[totalBytes];
    System.arraycopy(base, 0, out, 0, HEAD_BYTES);
    int dataStart = HEAD_BYTES + 8;
    fillRandom(out, dataStart, padding, seed ^ 0x5DEECE66DL);
    int pos = writeChunkInPlace(out, HEAD_BYTES, "skPd", padding);
    System.arraycopy(base, HEAD_BYTES, out, pos, base.length - HEAD_BYTES);
    return out;
  }

  // ---- small PNG for ofExactSize ----

  /** A 64x36 "desktop thumbnail": wallpaper, one window with a title bar; about 100 bytes. */
  private static byte[] tinyPng(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int w = 64;
    int h = 36;
    int wall = rnd.nextInt(0x1000000);
    int title = rnd.nextInt(0x1000000);
    int body = 0xF0F0F0 - rnd.nextInt(0x202020);
    int wx = 4 + rnd.nextInt(16);
    int wy = 2 + rnd.nextInt(8);
    byte[] raw = new byte[h * (1 + 3 * w)];
    for (int y = 0; y < h; y++) {
      int rowStart = y * (1 + 3 * w);
      for (int x = 0; x < w; x++) {
        int c = wall;
        if (x >= wx && x < wx + 40 && y >= wy && y < wy + 24) {
          c = (y < wy + 4) ? title : body;
        }
        putRgb(raw, rowStart + 1 + 3 * x, c);
      }
    }
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    deflater.setInput(raw);
    deflater.finish();
    byte[] z = new byte[raw.length + 64];
    int zlen = 0;
    while (!deflater.finished()) {
      zlen += deflater.deflate(z, zlen, z.length - zlen);
    }
    deflater.end();
    byte[] out = new byte[HEAD_BYTES + CHUNK_OVERHEAD + zlen + IEND_BYTES];
    int pos = writeHead(out, w, h);
    pos = writeChunk(out, pos, "IDAT", z, 0, zlen);
    writeChunk(out, pos, "IEND", z, 0, 0);
    return out;
  }

  // ---- screenshot generator ----

  /** One screenshot in the making; renders row by row straight into the deflater. */
  private static final class Screenshot {
    private static final int TITLE = 30;
    private static final int TASKBAR = 40;
    private static final int PAD = 8;
    private static final int STATUS = 22;
    // Sync-flush this often inside the photo so the size measurement is exact and fresh.
    private static final int FLUSH_ROWS = 8;
    // Flat rows are flushed on this grid when their cost is predicted by a dry run.
    private static final int GRID = 16;
    // Compressed bytes per noise byte: 7 random bits per channel, Huffman-coded.
    private static final double NOISE_RATIO = 0.89;
    // Flat rows use lazy matching (half the bytes of level 1 on flat colour, cheap there);
    // photo rows use level 1, as noise barely compresses and level 1 is the fastest on it.
    private static final int FLAT_LEVEL = 6;
    private static final int PHOTO_LEVEL = 1;

    private final int target;
    private final SplittableRandom rnd;
    private final int width;
    private final int height;
    private final byte[] row;
    private final Deflater deflater = new Deflater(FLAT_LEVEL);
    private final Sink sink;

    private final int wallTop;
    private final int wallBottom;
    private final boolean dark;
    private final double textDensity;
    private final double flatEstimate;
    private final List<Window> windows = new ArrayList<>();
    private final int[] icons;

    // Photo window: position fixed up front, the photo's bottom is decided while streaming.
    private final int px;
    private final int py;
    private final int pw;
    private final int photoTop;
    private final int photoMaxEnd;
    private final int planHeight;
    private int photoEnd = -1;
    private long noiseState;

    Screenshot(int target, long seed) {
      this.target = target;
      this.rnd = new SplittableRandom(seed);
      int[] screen = pickScreen(target, rnd);
      width = screen[0];
      height = screen[1];
      row = new byte[1 + 3 * width];
      // Room for the target plus slack; capped, as no screen here yields more than ~30 MB.
      sink = new Sink((int) Math.min(target + target / 4L + 65536, 40L << 20));
      noiseState = rnd.nextLong() | 1L;

      dark = rnd.nextBoolean();
      textDensity = textDensityFor(target, width, height);
      flatEstimate = flatBytes(width, height, textDensity);
      int hue = rnd.nextInt(6);
      wallTop = tint(hue, 0x30 + rnd.nextInt(0x40));
      wallBottom = tint((hue + 1) % 6, 0x10 + rnd.nextInt(0x30));
      icons = new int[4 + rnd.nextInt(8)];
      for (int i = 0; i < icons.length; i++) {
        icons[i] = rnd.nextInt(0x1000000);
      }

      // Photo size: enough noise pixels for the target, with headroom in height to grow into.
      double noisePixels = Math.max(0, target - flatEstimate) / (3 * NOISE_RATIO);
      int maxInner = width - 2 * 24 - 2 * PAD;
      int innerW = (int) Math.min(maxInner, Math.max(96, Math.sqrt(noisePixels * 1.5)));
      int maxEnd = height - TASKBAR - STATUS - PAD - 8;
      int maxRows = maxEnd - (16 + TITLE + PAD);
      double planRows = noisePixels / innerW;
      if (planRows * 1.25 > maxRows) {
        innerW = (int) Math.min(maxInner, Math.ceil(noisePixels * 1.25 / maxRows));
        planRows = noisePixels / innerW;
      }
      pw = innerW + 2 * PAD;
      px = 16 + rnd.nextInt(Math.max(1, width - pw - 32));
      planHeight = Math.max(1, (int) planRows);
      int slack = (int) (maxRows - planRows * 1.25);
      py = 16 + (slack > 0 ? rnd.nextInt(slack) : 0);
      photoTop = py + TITLE + PAD;
      photoMaxEnd = maxEnd;

      int count = 1 + rnd.nextInt(3);
      for (int i = 0; i < count; i++) {
        windows.add(new Window(rnd, width, height - TASKBAR, dark, textDensity));
      }
    }

    byte[] render() {
      writeHead(sink, width, height);
      sink.beginChunk("IDAT");
      // Where flat parts are a sizeable share, predict them exactly with a dry run; otherwise a
      // per-row average is plenty and saves the extra pass on big screens.
      long[] suffix = flatEstimate > 0.02 * target ? flatSuffix() : null;
      long measured = 0;
      long atPhotoTop = 0;
      int photoRows = 0;
      int sinceFlush = 0;
      double flatPerRow = 0;
      double rowCost = 3 * NOISE_RATIO * (pw - 2 * PAD) + 8;
      for (int y = 0; y < height; y++) {
        if (y == photoTop) {
          // Exact size of everything above the photo.
          flush();
          measured = sizeSoFar();
          atPhotoTop = measured;
          deflater.setLevel(PHOTO_LEVEL);
          flatPerRow = (double) (measured - HEAD_BYTES) / Math.max(1, y);
        }
        boolean inPhoto = false;
        if (y >= photoTop && photoEnd < 0) {
          // End the photo once the projected final size reaches the target.
          double rest = suffix != null ? suffixAt(suffix, y) : flatPerRow * (height - y);
          double projected = measured + sinceFlush * rowCost + rowCost / 2 + rest;
          if (projected >= target || y >= photoMaxEnd) {
            photoEnd = y;
            deflater.setLevel(FLAT_LEVEL);
          } else {
            inPhoto = true;
          }
        }
        renderRow(y, true);
        if (!inPhoto) {
          // Flush on the dry run's grid so both passes cut blocks alike.
          deflate(row, suffix != null && (y + 1) % GRID == 0);
          continue;
        }
        photoRows++;
        sinceFlush++;
        boolean flushNow = sinceFlush == FLUSH_ROWS;
        deflate(row, flushNow);
        if (flushNow) {
          measured = sizeSoFar();
          sinceFlush = 0;
          rowCost = (double) (measured - atPhotoTop) / photoRows;
        }
      }
      deflater.finish();
      while (!deflater.finished()) {
        drain(Deflater.NO_FLUSH);
      }
      deflater.end();
      sink.endChunk();
      sink.beginChunk("IEND");
      sink.endChunk();
      return sink.toArray();
    }

    /**
     * Dry run over the desktop without the photo window: element k is the compressed size of
     * rows [k * GRID, height), as the real pass will produce them below the photo.
     */
    private long[] flatSuffix() {
      Deflater dry = new Deflater(FLAT_LEVEL);
      byte[] scratch = new byte[Sink.STEP];
      int cells = (height + GRID - 1) / GRID;
      long[] upTo = new long[cells + 1];
      long total = 0;
      for (int y = 0; y < height; y++) {
        renderRow(y, false);
        dry.setInput(row);
        while (!dry.needsInput()) {
          total += dry.deflate(scratch, 0, scratch.length, Deflater.NO_FLUSH);
        }
        if ((y + 1) % GRID == 0 || y == height - 1) {
          int n;
          do {
            n = dry.deflate(scratch, 0, scratch.length, Deflater.SYNC_FLUSH);
            total += n;
          } while (n == scratch.length);
          upTo[(y + GRID) / GRID] = total;
        }
      }
      dry.end();
      long[] suffix = new long[cells + 1];
      for (int k = 0; k <= cells; k++) {
        suffix[k] = total - upTo[k];
      }
      return suffix;
    }

    /** Compressed size of rows [y, height), interpolated within a grid cell. */
    private double suffixAt(long[] suffix, int y) {
      int k = y / GRID;
      int cellEnd = Math.min(height, (k + 1) * GRID);
      double f = (double) (y - k * GRID) / (cellEnd - k * GRID);
      return suffix[k] - f * (suffix[k] - suffix[k + 1]);
    }

    /** File size if it ended now, exact right after a flush. */
    private long sizeSoFar() {
      return sink.size() + 4 + IEND_BYTES;
    }

    /** Feeds one row; with {@code flush}, also forces out everything buffered so far. */
    private void deflate(byte[] data, boolean flush) {
      deflater.setInput(data);
      while (!deflater.needsInput()) {
        drain(Deflater.NO_FLUSH);
      }
      if (flush) {
        flush();
      }
    }

    private void flush() {
      // A full output window means there may be more; a short one means the flush is complete.
      while (drain(Deflater.SYNC_FLUSH) == Sink.STEP) {
        // keep draining
      }
    }

    private int drain(int mode) {
      sink.ensure(Sink.STEP);
      int n = deflater.deflate(sink.buf, sink.len, Sink.STEP, mode);
      sink.len += n;
      sink.maybeSplitIdat();
      return n;
    }

    // ---- drawing ----

    private void renderRow(int y, boolean withPhoto) {
      row[0] = 0; // filter type None
      int taskTop = height - TASKBAR;
      if (y >= taskTop) {
        renderTaskbar(y - taskTop);
        return;
      }
      // Wallpaper: vertical gradient, flat across each row.
      fill(0, width, mix(wallTop, wallBottom, y, taskTop));
      for (Window w : windows) {
        w.render(this, y);
      }
      if (withPhoto) {
        renderPhotoWindow(y);
      }
    }

    private void renderTaskbar(int ty) {
      fill(0, width, dark ? 0x202024 : 0xDDE1E6);
      if (ty == 0) {
        fill(0, width, dark ? 0x3A3A40 : 0xB8BCC2);
        return;
      }
      // Icons: squares of solid colour with a lighter frame.
      int iy = ty - 8;
      if (iy >= 0 && iy < 24) {
        for (int i = 0; i < icons.length; i++) {
          int x = 12 + i * 40;
          if (x + 24 > width - 120) {
            break;
          }
          boolean edge = iy == 0 || iy == 23;
          fill(x, x + 24, edge ? 0xFFFFFF : icons[i]);
          if (!edge) {
            fill(x, x + 1, 0xFFFFFF);
            fill(x + 23, x + 24, 0xFFFFFF);
          }
        }
      }
      // Clock: a short "text" run at the right.
      int cy = ty - 15;
      if (cy >= 0 && cy < 10) {
        text(width - 90, width - 20, cy, 0x9E3779B9L, dark ? 0xE0E0E0 : 0x202020);
      }
    }

    private void renderPhotoWindow(int y) {
      int bottom = photoEnd < 0 ? Integer.MAX_VALUE : photoEnd + PAD + STATUS;
      if (y < py || y >= bottom) {
        return;
      }
      int frame = dark ? 0x505058 : 0x9098A0;
      if (y == py || y == bottom - 1) {
        fill(px, px + pw, frame);
        return;
      }
      int ry = y - py;
      if (ry < TITLE) {
        fill(px, px + pw, dark ? 0x2B2B30 : 0xE8EAED);
        titleDecor(px, pw, ry, 0x1234567L, dark);
      } else {
        // Viewer background around the photo.
        fill(px, px + pw, 0x18181A);
        boolean photoRow = y >= photoTop && (photoEnd < 0 || y < photoEnd);
        if (photoRow) {
          noise(px + PAD, px + pw - PAD, y - photoTop);
        } else if (photoEnd >= 0 && y >= photoEnd + PAD) {
          fill(px, px + pw, dark ? 0x2B2B30 : 0xE8EAED);
          int sy = y - photoEnd - PAD - 6;
          if (sy >= 0 && sy < 10) {
            text(px + 10, px + Math.min(pw - 10, 200), sy, 0xABCDEFL, dark ? 0xC0C0C0 : 0x404040);
          }
        }
      }
      fill(px, px + 1, frame);
      fill(px + pw - 1, px + pw, frame);
    }

    /** Title text and three window buttons inside a title bar row. */
    void titleDecor(int x, int w, int ry, long textSeed, boolean darkTheme) {
      int ty = ry - 10;
      if (ty >= 0 && ty < 10) {
        text(x + 12, x + Math.min(w / 2, 360), ty, textSeed, darkTheme ? 0xE8E8E8 : 0x202020);
      }
      int by = ry - 9;
      if (by >= 0 && by < 12 && w > 120) {
        for (int i = 0; i < 3; i++) {
          int bx = x + w - 20 - 22 * i;
          fill(bx - 12, bx, i == 0 ? 0xE81123 : (darkTheme ? 0x606068 : 0xB0B4B8));
        }
      }
    }

    /**
     * One pixel row of "text" between x0 and x1: words of block glyphs whose vertical extent
     * depends on a per-glyph shape, so rows of a line differ the way real text does.
     */
    void text(int x0, int x1, int ty, long lineSeed, int ink) {
      long h = lineSeed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
      int x = x0;
      while (x < x1) {
        h = mixBits(h);
        int letters = 2 + (int) ((h >>> 3) & 7);
        for (int i = 0; i < letters && x + 5 <= x1; i++) {
          int shape = (int) ((h >>> (16 + 2 * i)) & 3);
          // 0: x-height, 1: ascender, 2: descender, 3: x-height.
          int top = shape == 1 ? 0 : 3;
          int bottom = shape == 2 ? 10 : 8;
          if (ty >= top && ty < bottom) {
            fill(x, x + 4, ink);
          }
          x += 6;
        }
        x += 5;
      }
    }

    /** Photo-like noise: a smooth colour field plus 7 random bits per channel. */
    private void noise(int x0, int x1, int ny) {
      long s = noiseState;
      int span = x1 - x0;
      // Vertical colour ramp over the planned height, so the photo reads as one smooth scene.
      int baseG = (int) Math.min(127, ny * 127L / planHeight);
      for (int x = x0; x < x1; ) {
        s ^= s << 13;
        s ^= s >>> 7;
        s ^= s << 17;
        // Two pixels per 64 random bits.
        for (int k = 0; k < 2 && x < x1; k++, x++) {
          int bits = (int) (s >>> (k * 24));
          int baseR = ((x - x0) * 127) / span;
          int i = 1 + 3 * x;
          row[i] = (byte) (baseR + (bits & 0x7F));
          row[i + 1] = (byte) (baseG + ((bits >>> 8) & 0x7F));
          row[i + 2] = (byte) (127 - baseR / 2 + ((bits >>> 16) & 0x7F));
        }
      }
      noiseState = s;
    }

    /** Sets pixels [x0, x1) to rgb, doubling copies for speed on long runs. */
    void fill(int x0, int x1, int rgb) {
      x0 = Math.max(0, x0);
      x1 = Math.min(width, x1);
      if (x0 >= x1) {
        return;
      }
      int start = 1 + 3 * x0;
      int end = 1 + 3 * x1;
      putRgb(row, start, rgb);
      int done = 3;
      while (start + done < end) {
        int n = Math.min(done, end - start - done);
        System.arraycopy(row, start, row, start + done, n);
        done += n;
      }
    }
  }

  /** A text window: title bar, light or dark body, lines of text. */
  private static final class Window {
    final int x;
    final int y;
    final int w;
    final int h;
    final int title;
    final int body;
    final int ink;
    final long seed;
    final boolean dark;
    final double textDensity;

    Window(SplittableRandom rnd, int screenW, int screenH, boolean dark, double textDensity) {
      this.dark = dark;
      this.textDensity = textDensity;
      w = screenW * (30 + rnd.nextInt(35)) / 100;
      h = screenH * (30 + rnd.nextInt(45)) / 100;
      x = rnd.nextInt(Math.max(1, screenW - w));
      y = rnd.nextInt(Math.max(1, screenH - h));
      title = dark ? 0x2B2B30 : 0xE8EAED;
      body = dark ? 0x1E1E1E + rnd.nextInt(8) * 0x010101 : 0xFFFFFF - rnd.nextInt(8) * 0x010101;
      ink = dark ? 0xD4D4D4 : 0x1F1F1F;
      seed = rnd.nextLong();
    }

    void render(Screenshot s, int row) {
      if (row < y || row >= y + h) {
        return;
      }
      int frame = dark ? 0x505058 : 0xA0A4A8;
      int ry = row - y;
      if (ry == 0 || ry == h - 1) {
        s.fill(x, x + w, frame);
        return;
      }
      if (ry < Screenshot.TITLE) {
        s.fill(x, x + w, title);
        s.titleDecor(x, w, ry, seed, dark);
      } else {
        s.fill(x, x + w, body);
        // Lines of text every 18 px.
        int by = ry - Screenshot.TITLE - 10;
        if (by >= 0) {
          int line = by / 18;
          int ty = by % 18;
          // Only whole lines, with a bottom margin.
          boolean fits = Screenshot.TITLE + 10 + line * 18 + 10 <= h - 12;
          if (ty < 10 && fits) {
            long lineSeed = seed + line;
            long bits = mixBits(lineSeed);
            // Length 25..95 % of the body, indent 0..3 levels, like prose or code.
            int len = (int) ((w - 24) * (0.25 + 0.7 * (bits >>> 40) / (double) (1L << 24)));
            int indent = 12 + 24 * (int) ((bits >>> 4) & 3);
            // Lines are kept at the given density (blank lines, sparse windows for small targets).
            if (((bits >>> 11) & 0xFFFF) < textDensity * 0x10000) {
              s.text(x + indent, x + Math.min(w - 12, indent + len), ty, lineSeed, ink);
            }
          }
        }
      }
      s.fill(x, x + 1, frame);
      s.fill(x + w - 1, x + w, frame);
    }
  }

  /** Growing byte buffer holding the PNG file, with IDAT chunks opened and closed in place. */
  private static final class Sink {
    static final int STEP = 64 * 1024;
    // Split IDAT into chunks of about this size, as common encoders do.
    private static final int IDAT_MAX = 1 << 20;

    byte[] buf;
    int len;
    private int chunkStart = -1;
    private String chunkType;

    Sink(int capacity) {
      buf = new byte[capacity];
    }

    void ensure(int extra) {
      if (buf.length - len < extra) {
        long grown = Math.max((long) buf.length * 3 / 2, (long) len + extra);
        if (grown > Integer.MAX_VALUE - 16) {
          throw new IllegalStateException("PNG too large");
        }
        buf = Arrays.copyOf(buf, (int) grown);
      }
    }

    int size() {
      return len;
    }

    void beginChunk(String type) {
      ensure(8);
      chunkStart = len;
      chunkType = type;
      len += 4;
      for (int i = 0; i < 4; i++) {
        buf[len++] = (byte) type.charAt(i);
      }
    }

    void endChunk() {
      ensure(4);
      int dataLen = len - chunkStart - 8;
      putInt(buf, chunkStart, dataLen);
      CRC32 crc = new CRC32();
      crc.update(buf, chunkStart + 4, dataLen + 4);
      putInt(buf, len, (int) crc.getValue());
      len += 4;
      chunkStart = -1;
    }

    /** Closes a full IDAT and opens the next, so no single chunk grows huge. */
    void maybeSplitIdat() {
      if (chunkStart >= 0 && "IDAT".equals(chunkType) && len - chunkStart - 8 >= IDAT_MAX) {
        // Move bytes past the limit into the next chunk: close at the limit, reopen after it.
        int excess = len - chunkStart - 8 - IDAT_MAX;
        byte[] tail = Arrays.copyOfRange(buf, len - excess, len);
        len -= excess;
        endChunk();
        beginChunk("IDAT");
        ensure(excess);
        System.arraycopy(tail, 0, buf, len, excess);
        len += excess;
      }
    }

    byte[] toArray() {
      return len == buf.length ? buf : Arrays.copyOf(buf, len);
    }
  }

  // ---- shared helpers ----

  /**
   * A screen size where the photo covers at most ~45 % of the screen (so it still looks like a
   * desktop) and the flat parts with sparse text stay well below the target (so the photo has
   * room to steer the size). Huge targets get the largest screen, tiny ones the smallest.
   */
  private static int[] pickScreen(int target, SplittableRandom rnd) {
    List<int[]> eligible = new ArrayList<>();
    for (int[] s : SCREENS) {
      double noiseCapacity = 3.0 * s[0] * s[1] * 0.45 * Screenshot.NOISE_RATIO;
      if (noiseCapacity >= target && flatBytes(s[0], s[1], 0.1) <= 0.4 * target) {
        eligible.add(s);
      }
    }
    if (eligible.isEmpty()) {
      return target > 1_000_000 ? SCREENS[SCREENS.length - 1] : SCREENS[0];
    }
    return eligible.get(rnd.nextInt(eligible.size()));
  }

  /** How much of the window area carries text: dense, unless that would eat the budget. */
  private static double textDensityFor(int target, int w, int h) {
    double spare = 0.35 * target - flatBytes(w, h, 0);
    return Math.max(0, Math.min(0.875, spare / (TEXT_BYTES_PER_PIXEL * w * h)));
  }

  /**
   * Measured mean compressed size of everything but the photo (level 6): a per-row cost that
   * grows with width (wallpaper, frames, taskbar), plus text in proportion to its density.
   */
  private static double flatBytes(int w, int h, double textDensity) {
    return h * (8 + 0.003 * w) + TEXT_BYTES_PER_PIXEL * textDensity * w * h;
  }

  private static void checkPngHead(byte[] png) {
    if (png == null || png.length < HEAD_BYTES + IEND_BYTES) {
      throw new IllegalArgumentException("not a PNG: too short");
    }
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (png[i] != SIGNATURE[i]) {
        throw new IllegalArgumentException("not a PNG: bad signature");
      }
    }
    boolean ihdr = png[12] == 'I' && png[13] == 'H' && png[14] == 'D' && png[15] == 'R';
    if (!ihdr || getInt(png, 8) != 13) {
      throw new IllegalArgumentException("not a PNG: first chunk is not a 13-byte IHDR");
    }
  }

  /** Writes signature and IHDR (8-bit truecolor RGB, no interlace) at 0; returns the end. */
  private static int writeHead(byte[] out, int w, int h) {
    System.arraycopy(SIGNATURE, 0, out, 0, SIGNATURE.length);
    byte[] ihdr = ihdr(w, h);
    return writeChunk(out, SIGNATURE.length, "IHDR", ihdr, 0, ihdr.length);
  }

  private static void writeHead(Sink sink, int w, int h) {
    sink.ensure(HEAD_BYTES);
    sink.len = writeHead(sink.buf, w, h);
  }

  private static byte[] ihdr(int w, int h) {
    byte[] d = new byte[13];
    putInt(d, 0, w);
    putInt(d, 4, h);
    d[8] = 8; // bit depth
    d[9] = 2; // colour type: truecolor
    return d; // compression, filter and interlace methods stay 0
  }

  /** Writes a complete chunk at {@code pos}; returns the position after it. */
  private static int writeChunk(byte[] out, int pos, String type, byte[] data, int off, int len) {
    System.arraycopy(data, off, out, pos + 8, len);
    return writeChunkInPlace(out, pos, type, len);
  }

  /** Frames {@code len} data bytes already at pos + 8 as a chunk; returns the position after it. */
  private static int writeChunkInPlace(byte[] out, int pos, String type, int len) {
    putInt(out, pos, len);
    for (int i = 0; i < 4; i++) {
      out[pos + 4 + i] = (byte) type.charAt(i);
    }
    CRC32 crc = new CRC32();
    crc.update(out, pos + 4, len + 4);
    putInt(out, pos + 8 + len, (int) crc.getValue());
    return pos + CHUNK_OVERHEAD + len;
  }

  private static void fillRandom(byte[] out, int off, int len, long seed) {
    long s = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    int end = off + len;
    for (int i = off; i < end; ) {
      s ^= s << 13;
      s ^= s >>> 7;
      s ^= s << 17;
      for (int k = 0; k < 8 && i < end; k++, i++) {
        out[i] = (byte) (s >>> (8 * k));
      }
    }
  }

  private static void putRgb(byte[] b, int i, int rgb) {
    b[i] = (byte) (rgb >>> 16);
    b[i + 1] = (byte) (rgb >>> 8);
    b[i + 2] = (byte) rgb;
  }

  private static void putInt(byte[] b, int i, int v) {
    b[i] = (byte) (v >>> 24);
    b[i + 1] = (byte) (v >>> 16);
    b[i + 2] = (byte) (v >>> 8);
    b[i + 3] = (byte) v;
  }

  private static int getInt(byte[] b, int i) {
    return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8)
        | (b[i + 3] & 0xFF);
  }

  /** Linear blend of two RGB colours, step {@code i} of {@code n}. */
  private static int mix(int a, int b, int i, int n) {
    int r = ((a >>> 16) & 0xFF) + (((b >>> 16) & 0xFF) - ((a >>> 16) & 0xFF)) * i / n;
    int g = ((a >>> 8) & 0xFF) + (((b >>> 8) & 0xFF) - ((a >>> 8) & 0xFF)) * i / n;
    int bl = (a & 0xFF) + ((b & 0xFF) - (a & 0xFF)) * i / n;
    return (r << 16) | (g << 8) | bl;
  }

  /** A colour of hue sector 0..5 at the given brightness. */
  private static int tint(int hue, int level) {
    int lo = level / 3;
    int[][] sectors = {
      {level, lo, lo}, {level, level, lo}, {lo, level, lo},
      {lo, level, level}, {lo, lo, level}, {level, lo, level}
    };
    int[] c = sectors[hue];
    return (c[0] << 16) | (c[1] << 8) | c[2];
  }

  private static long mixBits(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
