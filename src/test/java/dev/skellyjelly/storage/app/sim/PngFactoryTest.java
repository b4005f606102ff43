package dev.skellyjelly.storage.app.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.ImageHeaders;
import dev.skellyjelly.storage.codecs.ImageInfo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngFactoryTest {

  private static final int KIB = 1 << 10;
  private static final int MIB = 1 << 20;
  private static final Set<String> SCREENS = Set.of(
      "1280x720", "1366x768", "1440x900", "1536x864", "1600x900", "1920x1080", "1920x1200",
      "2560x1440", "2560x1600", "3440x1440", "3840x2160");

  @TempDir
  Path dir;

  @Test
  void screenshotsHitTargetSizeAndAreWellFormed() throws IOException {
    // The simulator's smallest and largest, the range ends, and sizes between.
    int[] targets = {300 * KIB, 350 * KIB, 2 * MIB, 5 * MIB, 7_900 * KIB, 10 * MIB};
    for (int i = 0; i < targets.length; i++) {
      int target = targets[i];
      byte[] png = screenshot(target, i + 1);
      String what = "target " + target + ": " + png.length + " bytes";
      assertTrue(Math.abs(png.length - (double) target) <= 0.10 * target, what);
      BufferedImage img = decode(png);
      ImageInfo header = ImageHeaders.read(png, ImageFormat.PNG);
      assertEquals(img.getWidth(), header.width(), what);
      assertEquals(img.getHeight(), header.height(), what);
      assertTrue(SCREENS.contains(img.getWidth() + "x" + img.getHeight()), img.getWidth() + "x" + img.getHeight());
      assertChunksWellFormed(png);
    }
  }

  @Test
  void screenshotsAreDeterministicPerSeed() throws IOException {
    byte[] a = screenshot(400_000, 77);
    byte[] b = screenshot(400_000, 77);
    byte[] c = screenshot(400_000, 78);
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, c));
  }

  @Test
  void screenshotLooksLikeADesktop() throws IOException {
    // Flat colour and text around a noisy photo: many pixels equal their left neighbour, many not.
    BufferedImage img = decode(screenshot(2 * MIB, 5));
    long same = 0;
    long total = 0;
    for (int y = 0; y < img.getHeight(); y += 7) {
      for (int x = 1; x < img.getWidth(); x++) {
        total++;
        if (img.getRGB(x, y) == img.getRGB(x - 1, y)) {
          same++;
        }
      }
    }
    double flat = (double) same / total;
    assertTrue(flat > 0.3 && flat < 0.98, "flat share " + flat);
  }

  @Test
  void screenshotRejectsNonPositiveTarget() {
    assertThrows(IllegalArgumentException.class, () -> PngFactory.writeScreenshot(dir.resolve("none.png"), 0, 1));
  }

  @Test
  void exactSizes() throws IOException {
    for (int size : new int[] {5 * MIB - 1, 5 * MIB, 1000, 300}) {
      byte[] png = PngFactory.ofExactSize(size, 9);
      assertEquals(size, png.length);
      BufferedImage img = decode(png);
      ImageInfo header = ImageHeaders.read(png, ImageFormat.PNG);
      assertEquals(img.getWidth(), header.width());
      assertEquals(img.getHeight(), header.height());
      assertChunksWellFormed(png);
    }
    assertArrayEquals(PngFactory.ofExactSize(5000, 4), PngFactory.ofExactSize(5000, 4));
    assertThrows(IllegalArgumentException.class, () -> PngFactory.ofExactSize(100, 1));
  }

  // ---- helpers ----

  private byte[] screenshot(int target, long seed) throws IOException {
    Path file = dir.resolve("shot-" + target + "-" + seed + ".png");
    long length = PngFactory.writeScreenshot(file, target, seed);
    byte[] png = Files.readAllBytes(file);
    assertEquals(length, png.length, "the length returned is the file's");
    return png;
  }

  private static BufferedImage decode(byte[] png) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(img, "ImageIO could not decode the PNG");
    return img;
  }

  /** Walks all chunks: lengths add up exactly, every CRC matches, IEND comes last. */
  private static void assertChunksWellFormed(byte[] png) {
    int pos = 8;
    String type = "";
    while (pos < png.length) {
      int len = u32(png, pos);
      type = new String(png, pos + 4, 4, StandardCharsets.US_ASCII);
      CRC32 crc = new CRC32();
      crc.update(png, pos + 4, len + 4);
      assertEquals((int) crc.getValue(), u32(png, pos + 8 + len), "CRC of " + type);
      pos += 12 + len;
    }
    assertEquals(png.length, pos);
    assertEquals("IEND", type);
  }

  private static int u32(byte[] b, int i) {
    return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8)
        | (b[i + 3] & 0xFF);
  }
}
