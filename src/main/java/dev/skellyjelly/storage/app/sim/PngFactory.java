package dev.skellyjelly.storage.app.sim;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.FileImageOutputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Makes the simulator's screenshots: a desktop drawn by {@link DesktopPainter} and encoded by ImageIO as a
 * PNG of about the size asked for. Deterministic for the same arguments on the same JDK and fonts.
 */
public final class PngFactory {

  static {
    // Drawing into an image needs no display; without this a desktop session would load the X toolkit.
    System.setProperty("java.awt.headless", "true");
  }

  /** Common screen sizes, smallest first. */
  private static final List<Screen> SCREENS = List.of(
    new Screen(1280, 720), new Screen(1366, 768), new Screen(1440, 900), new Screen(1536, 864),
    new Screen(1600, 900), new Screen(1920, 1080), new Screen(1920, 1200), new Screen(2560, 1440),
    new Screen(2560, 1600), new Screen(3440, 1440), new Screen(3840, 2160));
  /** Encoded bytes per photo pixel (7 random bits per channel; measured). */
  private static final double PHOTO_BYTES_PER_PIXEL = 2.9;
  /**
   * Encoded bytes of the desktop around the photo: per row, plus per pixel that differs from its left
   * neighbour (edges and text; measured over screens from 1280 × 720 to 3440 × 1440, within ±20 KB).
   */
  private static final double DESKTOP_BYTES_PER_ROW = 18;
  private static final double DESKTOP_BYTES_PER_BUSY_PIXEL = 1.0;
  /** What the desktop typically costs per screen pixel, to choose a screen before drawing it. */
  private static final double TYPICAL_DESKTOP_BYTES_PER_PIXEL = 0.03;
  /** Share of the screen the photo covers: up to a photo editor's, down to a preview's. */
  private static final double MIN_PHOTO_SHARE = 0.4;
  private static final double MAX_PHOTO_SHARE = 0.65;
  /** A first encoding this far from the target is corrected once, from its own measured size. */
  private static final double TOLERANCE = 0.05;

  private PngFactory() {}

  private record Screen(int width, int height) {
    long pixels() {
      return (long) width * height;
    }
  }

  /**
   * Writes a screenshot-like truecolor PNG to {@code file} (replacing it) whose length is within 10 % of
   * {@code targetBytes} for targets from 300 KB to 10 MB (outside that range the size is best effort), in
   * a few hundred milliseconds. Straight to the file, so the heap holds the picture but not its encoding.
   *
   * @return the file's length
   * @throws IllegalArgumentException if {@code targetBytes < 1}
   */
  public static long writeScreenshot(Path file, int targetBytes, long seed) throws IOException {
    if (targetBytes < 1) {
      throw new IllegalArgumentException("targetBytes must be positive: " + targetBytes);
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    Screen screen = pickScreen(targetBytes, rnd);
    Rectangle photo = photoArea(screen, photoPixels(targetBytes, screen), rnd);
    BufferedImage image = new BufferedImage(screen.width(), screen.height(), BufferedImage.TYPE_3BYTE_BGR);
    DesktopPainter painter = new DesktopPainter(image, photo, rnd.nextLong());
    int planned = rowsFor(photoPixels(targetBytes, screen), photo);
    painter.paintDesktop();
    painter.paintViewer(planned);
    // Measure this desktop rather than assume a typical one: its text may cost a tenth of a small target.
    double desktopBytes = DESKTOP_BYTES_PER_ROW * screen.height() + DESKTOP_BYTES_PER_BUSY_PIXEL * busyPixels(image);
    int rows = rowsFor((targetBytes - desktopBytes) / PHOTO_BYTES_PER_PIXEL, photo);
    long length = paintPhotoAndWrite(painter, planned, rows, file);
    double error = (length - (double) targetBytes) / targetBytes;
    if (Math.abs(error) > TOLERANCE && (rows < photo.height || error > 0)) {
      // Off the model: move the measured difference into or out of the photo.
      int corrected = rowsFor(rows * (double) photo.width + (targetBytes - length) / PHOTO_BYTES_PER_PIXEL, photo);
      length = paintPhotoAndWrite(painter, rows, corrected, file);
    }
    return length;
  }

  /**
   * A valid PNG of exactly {@code totalBytes} bytes: a 64 × 36 desktop thumbnail plus a text chunk of
   * seeded printable characters making up the size (for measures that need one exact size).
   *
   * @throws IllegalArgumentException if {@code totalBytes} is smaller than the thumbnail with an empty text
   */
  public static byte[] ofExactSize(int totalBytes, long seed) {
    BufferedImage image = new BufferedImage(64, 36, BufferedImage.TYPE_3BYTE_BGR);
    DesktopPainter.paintThumbnail(image, seed);
    int bare = encode(image, "").length;
    if (totalBytes < bare) {
      throw new IllegalArgumentException("totalBytes must be at least " + bare + ": " + totalBytes);
    }
    byte[] text = new byte[totalBytes - bare];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < text.length; i++) {
      text[i] = (byte) ('!' + rnd.nextInt(94));
    }
    return encode(image, new String(text, StandardCharsets.US_ASCII));
  }

  /** Paints {@code rows} rows of photo, over a viewer last painted for {@code paintedRows}, and writes. */
  private static long paintPhotoAndWrite(DesktopPainter painter, int paintedRows, int rows, Path file)
    throws IOException {
    if (rows < paintedRows) {
      // A shorter viewer uncovers desktop that the longer one painted over.
      painter.paintDesktop();
    }
    painter.paintViewer(rows);
    painter.paintPhoto(rows);
    Files.deleteIfExists(file);
    try (ImageOutputStream out = new FileImageOutputStream(file.toFile())) {
      encode(painter.image(), null, out);
      return out.length();
    }
  }

  /** Pixels that differ from their left neighbour: what PNG's filters cannot turn into runs of zeros. */
  private static long busyPixels(BufferedImage image) {
    byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    int stride = 3 * image.getWidth();
    long busy = 0;
    for (int start = 0; start < pixels.length; start += stride) {
      for (int i = start + 3; i < start + stride; i += 3) {
        if (pixels[i] != pixels[i - 3] || pixels[i + 1] != pixels[i - 2] || pixels[i + 2] != pixels[i - 1]) {
          busy++;
        }
      }
    }
    return busy;
  }

  /** ImageIO's PNG encoding of {@code image} in memory, with a {@code tEXt} chunk holding {@code text}. */
  private static byte[] encode(BufferedImage image, String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096 + text.length());
    // An in-memory stream: ImageIO would otherwise cache through a temporary file.
    try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      encode(image, text, out);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding a PNG in memory", e);
    }
    return bytes.toByteArray();
  }

  /** ImageIO's PNG encoding of {@code image}, with a {@code tEXt} chunk holding {@code text} unless null. */
  private static void encode(BufferedImage image, String text, ImageOutputStream out) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    try {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      IIOMetadata metadata = text == null ? null : textMetadata(writer, image, param, text);
      writer.write(null, new IIOImage(image, null, metadata), param);
    } finally {
      writer.dispose();
    }
  }

  private static IIOMetadata textMetadata(ImageWriter writer, BufferedImage image, ImageWriteParam param,
                                          String text) throws IIOInvalidTreeException {
    IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), param);
    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
    entry.setAttribute("keyword", "Comment");
    entry.setAttribute("value", text);
    IIOMetadataNode chunk = new IIOMetadataNode("tEXt");
    chunk.appendChild(entry);
    IIOMetadataNode root = new IIOMetadataNode(metadata.getNativeMetadataFormatName());
    root.appendChild(chunk);
    metadata.mergeTree(metadata.getNativeMetadataFormatName(), root);
    return metadata;
  }

  /**
   * A screen the photo covers {@link #MIN_PHOTO_SHARE} to {@link #MAX_PHOTO_SHARE} of: a desktop, not a
   * photo, and no more pixels than needed, as encoding time grows with the screen's pixels, not the file's
   * size. A target too small for that gets the smallest screen, one too large the smallest that holds it.
   */
  private static Screen pickScreen(int target, SplittableRandom rnd) {
    List<Screen> eligible = new ArrayList<>();
    Screen fits = null;
    for (Screen s : SCREENS) {
      double share = photoPixels(target, s) / s.pixels();
      if (share <= MAX_PHOTO_SHARE && share >= MIN_PHOTO_SHARE) {
        eligible.add(s);
      }
      if (share <= MAX_PHOTO_SHARE && fits == null) {
        fits = s;
      }
    }
    if (!eligible.isEmpty()) {
      return eligible.get(rnd.nextInt(eligible.size()));
    }
    return fits != null ? fits : SCREENS.get(SCREENS.size() - 1);
  }

  /** How many photo pixels make up what the rest of the desktop leaves of {@code target}. */
  private static double photoPixels(int target, Screen screen) {
    return Math.max(0, target - TYPICAL_DESKTOP_BYTES_PER_PIXEL * screen.pixels()) / PHOTO_BYTES_PER_PIXEL;
  }

  /**
   * Where the photo may go: wide enough for {@code pixels} within the screen, with a quarter more rows
   * than needed for a correction to grow into.
   */
  private static Rectangle photoArea(Screen screen, double pixels, SplittableRandom rnd) {
    int margin = 16;
    int maxWidth = screen.width() - 2 * (margin + DesktopPainter.PAD);
    int top = margin + DesktopPainter.TITLE + DesktopPainter.PAD;
    int maxRows = screen.height() - DesktopPainter.TASKBAR - DesktopPainter.STATUS - DesktopPainter.PAD - 8 - top;
    int width = (int) Math.min(maxWidth, Math.max(96, Math.sqrt(pixels * 1.5)));
    if (pixels * 1.25 / width > maxRows) {
      width = (int) Math.min(maxWidth, Math.ceil(pixels * 1.25 / maxRows));
    }
    int rows = (int) Math.min(maxRows, Math.ceil(pixels * 1.25 / width));
    int x = margin + DesktopPainter.PAD + rnd.nextInt(Math.max(1, maxWidth - width + 1));
    int y = top + rnd.nextInt(Math.max(1, maxRows - rows + 1));
    return new Rectangle(x, y, width, rows);
  }

  private static int rowsFor(double pixels, Rectangle photo) {
    return (int) Math.max(0, Math.min(photo.height, Math.round(pixels / photo.width)));
  }
}
