package dev.skellyjelly.storage.app.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngFactoryTest {

  private static final int MIB = 1 << 20;
  private static final Set<String> SCREENS = Set.of(
      "1280x720", "1366x768", "1440x900", "1536x864", "1600x900", "1920x1080", "1920x1200",
      "2560x1440", "2560x1600", "3440x1440", "3840x2160");

  @Test
  void screenshotsHitTargetSizeAndDecode() throws IOException {
    int[] targets = {300 * 1024, 2 * MIB, 5 * MIB, 8 * MIB};
    for (int target : targets) {
      for (long seed = 1; seed <= 2; seed++) {
        byte[] png = PngFactory.screenshot(target, seed);
        double error = (png.length - (double) target) / target;
        assertTrue(Math.abs(error) <= 0.15,
            "target " + target + " seed " + seed + ": got " + png.length + " bytes");
        BufferedImage img = decode(png);
        assertEquals(u32(png, 16), img.getWidth());
        assertEquals(u32(png, 20), img.getHeight());
        assertTrue(SCREENS.contains(img.getWidth() + "x" + img.getHeight()),
            img.getWidth() + "x" + img.getHeight());
        assertChunksWellFormed(png);
      }
    }
  }

  @Test
  void screenshotsAtRangeEnds() throws IOException {
    for (int target : new int[] {50 * 1024, 10 * MIB}) {
      byte[] png = PngFactory.screenshot(target, 3);
      assertTrue(Math.abs(png.length - (double) target) <= 0.15 * target,
          "target " + target + ": got " + png.length);
      assertNotNull(decode(png));
    }
  }

  @Test
  void screenshotsAreDeterministicPerSeed() {
    byte[] a = PngFactory.screenshot(400_000, 77);
    byte[] b = PngFactory.screenshot(400_000, 77);
    byte[] c = PngFactory.screenshot(400_000, 78);
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, c));
  }

  @Test
  void screenshotLooksLikeADesktop() throws IOException {
    // Mostly flat colour with a noisy region: many pixels equal their left neighbour, many not.
    BufferedImage img = decode(PngFactory.screenshot(2 * MIB, 5));
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
    assertTrue(flat > 0.4 && flat < 0.98, "flat share " + flat);
  }

  @Test
  void screenshotRejectsNonPositiveTarget() {
    assertThrows(IllegalArgumentException.class, () -> PngFactory.screenshot(0, 1));
  }

  @Test
  void exactSizes() throws IOException {
    for (int size : new int[] {5 * MIB - 1, 5 * MIB, 1000, 200, 201}) {
      byte[] png = PngFactory.ofExactSize(size, 9);
      assertEquals(size, png.length);
      BufferedImage img = decode(png);
      assertEquals(u32(png, 16), img.getWidth());
      assertEquals(u32(png, 20), img.getHeight());
      assertChunksWellFormed(png);
    }
    assertArrayEquals(PngFactory.ofExactSize(5000, 4), PngFactory.ofExactSize(5000, 4));
    assertThrows(IllegalArgumentException.class, () -> PngFactory.ofExactSize(199, 1));
  }

  @Test
  void markerIsEmbeddedAndImageUnchanged() throws IOException {
    byte[] marker = "skellyjelly-marker-7f3a9c".getBytes(StandardCharsets.US_ASCII);
    for (byte[] png : new byte[][] {PngFactory.ofExactSize(1000, 2),
        PngFactory.screenshot(300 * 1024, 2)}) {
      assertEquals(-1, indexOf(png, marker));
      byte[] marked = PngFactory.withMarker(png, marker);
      assertTrue(indexOf(marked, marker) >= 0);
      assertEquals(png.length + 12 + marker.length, marked.length);
      assertChunksWellFormed(marked);
      BufferedImage before = decode(png);
      BufferedImage after = decode(marked);
      assertEquals(before.getWidth(), after.getWidth());
      assertEquals(before.getHeight(), after.getHeight());
      for (int y = 0; y < before.getHeight(); y += 13) {
        for (int x = 0; x < before.getWidth(); x += 3) {
          assertEquals(before.getRGB(x, y), after.getRGB(x, y));
        }
      }
    }
  }

  @Test
  void withMarkerRejectsNonPng() {
    assertThrows(IllegalArgumentException.class,
        () -> PngFactory.withMarker(new byte[100], new byte[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> PngFactory.withMarker(null, new byte[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> PngFactory.withMarker(PngFactory.ofExactSize(300, 1), null));
  }

  // ---- helpers ----

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

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
