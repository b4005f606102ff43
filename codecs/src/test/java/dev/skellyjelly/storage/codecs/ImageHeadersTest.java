package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ImageHeadersTest {

  // ---- happy paths ----

  @Test
  void readsPngSize() {
    assertInfo(ImageFormat.PNG, 1920, 1080, ImageHeaders.read(png(1920, 1080)));
    assertInfo(ImageFormat.PNG, 1, 1, ImageHeaders.read(png(1, 1)));
    assertInfo(ImageFormat.PNG, Integer.MAX_VALUE, 7, ImageHeaders.read(png(Integer.MAX_VALUE, 7)));
  }

  @Test
  void readsPngHeaderOfExactly24Bytes() {
    byte[] cut = Arrays.copyOf(png(640, 480), 24);
    assertInfo(ImageFormat.PNG, 640, 480, ImageHeaders.read(cut));
  }

  @Test
  void readsWebpLossy() {
    assertInfo(ImageFormat.WEBP, 1280, 720, ImageHeaders.read(webpVp8(1280, 720)));
    // The top two bits of each field are a scaling hint and must be ignored.
    assertInfo(ImageFormat.WEBP, 640, 400,
        ImageHeaders.read(webpVp8(0xC000 | 640, 0x4000 | 400)));
    assertInfo(ImageFormat.WEBP, 16383, 16383, ImageHeaders.read(webpVp8(16383, 16383)));
  }

  @Test
  void readsWebpLossless() {
    assertInfo(ImageFormat.WEBP, 800, 600, ImageHeaders.read(webpVp8l(800, 600)));
    assertInfo(ImageFormat.WEBP, 1, 1, ImageHeaders.read(webpVp8l(1, 1)));
    assertInfo(ImageFormat.WEBP, 16384, 16384, ImageHeaders.read(webpVp8l(16384, 16384)));
    assertInfo(ImageFormat.WEBP, 3, 16384, ImageHeaders.read(webpVp8l(3, 16384)));
  }

  @Test
  void readsWebpExtended() {
    assertInfo(ImageFormat.WEBP, 3840, 2160, ImageHeaders.read(webpVp8x(3840, 2160)));
    assertInfo(ImageFormat.WEBP, 1 << 24, 1, ImageHeaders.read(webpVp8x(1 << 24, 1)));
  }

  @Test
  void readsHeic() {
    assertInfo(ImageFormat.HEIC, 4032, 3024, ImageHeaders.read(heic(4032, 3024)));
  }

  @Test
  void readsHeicWithOtherBoxesAroundIspe() {
    byte[] file = cat(
        ftyp("mif1", "mif1", "heic"),
        fullBox("meta",
            fullBox("hdlr", ascii("pict"), new byte[16]),
            box("pitm", new byte[6]),
            box("iprp",
                box("ipco",
                    box("colr", ascii("nclx"), new byte[7]),
                    box("hvcC", new byte[23]),
                    ispe(512, 256),
                    ispe(64, 32)), // a thumbnail's ispe: the first one wins
                box("ipma", new byte[10]))),
        box("mdat", new byte[100]));
    assertInfo(ImageFormat.HEIC, 512, 256, ImageHeaders.read(file));
  }

  @Test
  void readsHeicPastLargesizeBox() {
    // A 64-bit-size box before meta (size field 1, largesize after the type).
    byte[] mdat = cat(u32(1), ascii("mdat"), u64(16 + 40), new byte[40]);
    byte[] file = cat(ftyp("heic"), mdat, meta(ispe(300, 200)));
    assertInfo(ImageFormat.HEIC, 300, 200, ImageHeaders.read(file));
  }

  @Test
  void readsHeicWithLargesizeContainer() {
    byte[] ipco = box("ipco", ispe(10, 20));
    byte[] iprp = cat(u32(1), ascii("iprp"), u64(16 + ipco.length), ipco);
    byte[] file = cat(ftyp("heic"), fullBox("meta", iprp));
    assertInfo(ImageFormat.HEIC, 10, 20, ImageHeaders.read(file));
  }

  @Test
  void readsHeicWhoseLastBoxRunsToEndOfFile() {
    // size 0: "extends to end of file"; here it is the ispe, the last box at every level.
    byte[] ispe0 = cat(u32(0), ascii("ispe"), new byte[4], u32(77), u32(66));
    byte[] ipco0 = cat(u32(0), ascii("ipco"), ispe0);
    byte[] iprp0 = cat(u32(0), ascii("iprp"), ipco0);
    byte[] meta0 = cat(u32(0), ascii("meta"), new byte[4], iprp0);
    assertInfo(ImageFormat.HEIC, 77, 66, ImageHeaders.read(cat(ftyp("heic"), meta0)));
  }

  @Test
  void readChecksStatedFormat() {
    assertInfo(ImageFormat.PNG, 10, 20, ImageHeaders.read(png(10, 20), ImageFormat.PNG));
    assertInfo(ImageFormat.WEBP, 10, 20, ImageHeaders.read(webpVp8x(10, 20), ImageFormat.WEBP));
    assertInfo(ImageFormat.HEIC, 10, 20, ImageHeaders.read(heic(10, 20), ImageFormat.HEIC));
  }

  // ---- sniff ----

  @Test
  void sniffsMagic() {
    assertEquals(ImageFormat.PNG, ImageHeaders.sniff(png(1, 1)));
    assertEquals(ImageFormat.WEBP, ImageHeaders.sniff(webpVp8(1, 1)));
    assertEquals(ImageFormat.WEBP, ImageHeaders.sniff(webpVp8l(1, 1)));
    assertEquals(ImageFormat.WEBP, ImageHeaders.sniff(webpVp8x(1, 1)));
    assertEquals(ImageFormat.HEIC, ImageHeaders.sniff(heic(1, 1)));
  }

  @Test
  void sniffsEveryHeifBrandAsMajorOrCompatible() {
    for (String brand : new String[] {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1",
        "msf1"}) {
      assertEquals(ImageFormat.HEIC, ImageHeaders.sniff(ftyp(brand)), brand);
      assertEquals(ImageFormat.HEIC, ImageHeaders.sniff(ftyp("isom", "mp41", brand)), brand);
    }
  }

  @Test
  void sniffsNothingElse() {
    assertNull(ImageHeaders.sniff(null));
    assertNull(ImageHeaders.sniff(new byte[0]));
    assertNull(ImageHeaders.sniff(ascii("GIF89a")));
    assertNull(ImageHeaders.sniff(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0}));
    assertNull(ImageHeaders.sniff(Arrays.copyOf(png(1, 1), 7)));
    // RIFF, but a WAV file.
    assertNull(ImageHeaders.sniff(cat(ascii("RIFF"), u32(100), ascii("WAVEfmt "))));
    // ISO-BMFF, but a video.
    assertNull(ImageHeaders.sniff(ftyp("isom", "mp41", "avc1")));
    // A brand is only matched on a 4-byte boundary of the brand list.
    assertNull(ImageHeaders.sniff(ftyp("xxhe", "icxx")));
    // A brand past the declared ftyp size does not count.
    byte[] shortFtyp = ftyp("isom", "heic");
    shortFtyp[3] = 16;
    assertNull(ImageHeaders.sniff(shortFtyp));
  }

  // ---- errors ----

  @Test
  void emptyImage() {
    assertFails("empty image", null);
    assertFails("empty image", new byte[0]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageHeaders.read(new byte[0], ImageFormat.PNG));
    assertEquals("empty image", e.getMessage());
  }

  @Test
  void unknownFormat() {
    assertFails("not a known image format", ascii("hello, world, this is not an image"));
    assertFails("not a known image format", new byte[] {0});
    assertFails("not a known image format", ftyp("isom", "avc1"));
  }

  @Test
  void pngCutShort() {
    byte[] full = png(100, 100);
    for (int len : new int[] {1, 4, 7, 8, 12, 16, 20, 23}) {
      assertFails("PNG header cut short (" + len + " of 24 bytes)", Arrays.copyOf(full, len));
    }
  }

  @Test
  void pngFirstChunkNotIhdr() {
    byte[] b = png(100, 100);
    b[12] = 'I';
    b[13] = 'D';
    b[14] = 'A';
    b[15] = 'T';
    assertFails("PNG first chunk is not IHDR", b);
    byte[] wrongLength = png(100, 100);
    wrongLength[11] = 12;
    assertFails("PNG IHDR length is 12, not 13", wrongLength);
  }

  @Test
  void zeroOrHugeDimensions() {
    assertFails("zero width", png(0, 10));
    assertFails("zero height", png(10, 0));
    assertFails("width 2147483648 does not fit in int", png(0x80000000, 10));
    assertFails("height 4294967295 does not fit in int", png(10, 0xFFFFFFFF));
    assertFails("zero width", webpVp8(0, 10));
    assertFails("zero height", webpVp8(10, 0xC000)); // only scale bits set
    assertFails("zero width", heic(0, 10));
    assertFails("zero height", heic(10, 0));
    assertFails("width 4294967295 does not fit in int", heic(0xFFFFFFFF, 10));
  }

  @Test
  void webpCutShort() {
    assertFails("WebP header cut short (12 of 20 bytes)", Arrays.copyOf(webpVp8(5, 5), 12));
    assertFails("WebP header cut short (19 of 20 bytes)", Arrays.copyOf(webpVp8(5, 5), 19));
    assertFails("WebP chunk VP8 cut short (29 of 30 bytes)", Arrays.copyOf(webpVp8(5, 5), 29));
    assertFails("WebP chunk VP8 cut short (20 of 30 bytes)", Arrays.copyOf(webpVp8(5, 5), 20));
    assertFails("WebP chunk VP8L cut short (24 of 25 bytes)", Arrays.copyOf(webpVp8l(5, 5), 24));
    assertFails("WebP chunk VP8X cut short (27 of 30 bytes)", Arrays.copyOf(webpVp8x(5, 5), 27));
  }

  @Test
  void webpBadChunks() {
    byte[] noStart = webpVp8(5, 5);
    noStart[24] = 0x02;
    assertFails("WebP chunk VP8 has no start code", noStart);
    byte[] noSig = webpVp8l(5, 5);
    noSig[20] = 0x2E;
    assertFails("WebP chunk VP8L has no 0x2F signature", noSig);
    byte[] alpha = webpVp8x(5, 5);
    System.arraycopy(ascii("ALPH"), 0, alpha, 12, 4);
    assertFails("WebP first chunk is not VP8, VP8L or VP8X", alpha);
  }

  @Test
  void mislabelledFormat() {
    assertFailsStated("image is png, stated webp", png(1, 1), ImageFormat.WEBP);
    assertFailsStated("image is webp, stated heic", webpVp8(1, 1), ImageFormat.HEIC);
    assertFailsStated("image is heic, stated png", heic(1, 1), ImageFormat.PNG);
    assertFailsStated("not a known image format", ascii("garbage garbage"), ImageFormat.PNG);
    assertFailsStated("no stated image format", png(1, 1), null);
    // A damaged header of the stated format reports the damage, not a mismatch.
    assertFailsStated("PNG header cut short (20 of 24 bytes)", Arrays.copyOf(png(1, 1), 20),
        ImageFormat.PNG);
  }

  @Test
  void heicMissingBoxes() {
    assertFails("HEIC has no ispe box (no meta box)", cat(ftyp("heic"), box("mdat", new byte[8])));
    assertFails("HEIC has no ispe box (no iprp box in meta)",
        cat(ftyp("heic"), fullBox("meta", fullBox("hdlr", new byte[20]))));
    assertFails("HEIC has no ispe box (no ipco box in iprp)",
        cat(ftyp("heic"), fullBox("meta", box("iprp", box("ipma", new byte[8])))));
    assertFails("HEIC has no ispe box", cat(ftyp("heic"), meta(box("colr", new byte[8]))));
    assertFails("HEIC has no ispe box", cat(ftyp("heic"), meta()));
  }

  @Test
  void heicMalformedBoxes() {
    // meta claims more bytes than the file holds.
    byte[] file = heic(10, 10);
    int metaAt = ftyp("heic", "mif1").length;
    file[metaAt + 2] = 0x10;
    assertFails("HEIC box at offset " + metaAt + " overruns its container", file);

    // ispe claims more than its parent ipco holds.
    byte[] ipco = box("ipco", ispe(5, 5));
    ipco[8 + 3] = 40;
    assertFails("overruns its container", cat(ftyp("heic"), fullBox("meta", box("iprp", ipco))));

    // Size 0 runs to the end of the file, swallowing the meta box after it.
    assertFails("HEIC has no ispe box (no meta box)",
        cat(ftyp("heic"), u32(0), ascii("mdat"), new byte[8], meta(ispe(5, 5))));

    // Sizes below the header: would loop forever if taken at face value.
    assertFails("has size 4, below its 8-byte header",
        cat(ftyp("heic"), u32(4), ascii("free"), new byte[16]));
    assertFails("has size 7, below its 8-byte header", cat(ftyp("heic"), u32(7), ascii("free")));
    assertFails("has size 12, below its 16-byte header",
        cat(ftyp("heic"), u32(1), ascii("free"), u64(12), new byte[8]));
    // A largesize beyond 2^63 reads as negative: still an overrun, printed unsigned.
    assertFails("overruns its container (size 18446744073709551615",
        cat(ftyp("heic"), u32(1), ascii("mdat"), u64(-1), new byte[8]));

    // Trailing bytes too few for a box header.
    assertFails("HEIC box header cut short at offset", cat(ftyp("heic"), new byte[5]));
    assertFails("(12 of 16 bytes)", cat(ftyp("heic"), u32(1), ascii("mdat"), new byte[4]));

    // ispe too small for version, width and height.
    byte[] tinyIspe = fullBox("ispe", u32(5));
    assertFails("HEIC ispe box too small (8 of 12 payload bytes)",
        cat(ftyp("heic"), meta(tinyIspe)));

    // meta too small for its version/flags.
    assertFails("HEIC meta box too small", cat(ftyp("heic"), box("meta", new byte[2])));

    // ftyp's own size overruns the file.
    byte[] bigFtyp = ftyp("heic");
    bigFtyp[2] = 1;
    assertFails("HEIC box at offset 0 overruns its container", bigFtyp);
  }

  @Test
  void messagesNeverQuoteImageBytes() {
    byte[] secret = ascii("SECRETPAYLOAD");
    byte[][] damaged = {
      cat(secret, secret),
      cat(Arrays.copyOf(webpVp8(5, 5), 12), ascii("SECR"), new byte[20]),
      cat(Arrays.copyOf(png(5, 5), 12), ascii("SECR"), new byte[20]),
      cat(ftyp("heic"), box("SECR", secret), u32(3)),
    };
    for (byte[] b : damaged) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ImageHeaders.read(b));
      assertFalse(e.getMessage().contains("SECR"), e.getMessage());
    }
  }

  @Test
  @Timeout(20)
  void mangledHeadersOnlyEverThrowIllegalArgument() {
    byte[][] seeds = {
      png(33, 44), webpVp8(33, 44), webpVp8l(33, 44), webpVp8x(33, 44), heic(33, 44),
      heicWithExtraBoxes()
    };
    Random rnd = new Random(42);
    for (int i = 0; i < 50_000; i++) {
      byte[] b = seeds[i % seeds.length].clone();
      if (rnd.nextBoolean()) {
        b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
      }
      int flips = rnd.nextInt(4);
      for (int f = 0; f < flips && b.length > 0; f++) {
        // Favour the header, where the interesting fields are.
        b[rnd.nextInt(Math.min(b.length, 64))] = (byte) rnd.nextInt(256);
      }
      try {
        ImageInfo info = ImageHeaders.read(b);
        assertTrue(info.width() >= 1 && info.height() >= 1);
      } catch (IllegalArgumentException expected) {
        assertFalse(expected.getMessage().isEmpty());
      }
    }
    for (int i = 0; i < 5_000; i++) {
      byte[] b = new byte[rnd.nextInt(100)];
      rnd.nextBytes(b);
      try {
        ImageHeaders.read(b);
      } catch (IllegalArgumentException expected) {
        // fine
      }
    }
  }

  @Test
  void readsHeaderOfLargeFiles() {
    // 20 MB files: only the header is read, so these return at once.
    int size = 20 << 20;
    byte[] big = Arrays.copyOf(png(2560, 1440), size);
    assertInfo(ImageFormat.PNG, 2560, 1440, ImageHeaders.read(big));
    byte[] bigWebp = Arrays.copyOf(webpVp8(2560, 1440), size);
    assertInfo(ImageFormat.WEBP, 2560, 1440, ImageHeaders.read(bigWebp, ImageFormat.WEBP));
    // HEIC with a 20 MB mdat before meta: the walk skips it in one step.
    byte[] head = cat(ftyp("heic"), box("mdat", new byte[0]));
    byte[] tail = meta(ispe(4000, 3000));
    byte[] bigHeic = new byte[size];
    System.arraycopy(head, 0, bigHeic, 0, head.length);
    int mdatAt = ftyp("heic").length;
    int mdatSize = size - mdatAt - tail.length;
    System.arraycopy(u32(mdatSize), 0, bigHeic, mdatAt, 4);
    System.arraycopy(tail, 0, bigHeic, size - tail.length, tail.length);
    assertInfo(ImageFormat.HEIC, 4000, 3000, ImageHeaders.read(bigHeic));
  }

  @Test
  void readDoesNotModifyInput() {
    byte[] b = heic(12, 34);
    byte[] copy = b.clone();
    ImageHeaders.read(b, ImageFormat.HEIC);
    assertArrayEquals(copy, b);
  }

  // ---- builders ----

  /** A well-formed PNG (signature, IHDR, a private chunk, IEND) whose IHDR holds these 32-bit values. */
  private static byte[] png(long width, long height) {
    return TestPng.png(57, (int) width, (int) height, new byte[0]);
  }

  private static byte[] riff(byte[] chunk) {
    return cat(ascii("RIFF"), le32(4 + chunk.length), ascii("WEBP"), chunk);
  }

  private static byte[] webpVp8(int width, int height) {
    byte[] data = cat(
        new byte[] {0x50, 0x02, 0x00}, // frame tag: key frame, version 0, shown
        new byte[] {(byte) 0x9D, 0x01, 0x2A},
        le16(width), le16(height),
        new byte[8]);
    return riff(cat(ascii("VP8 "), le32(data.length), data));
  }

  private static byte[] webpVp8l(int width, int height) {
    long bits = (width - 1L) | ((height - 1L) << 14); // alpha hint and version stay 0
    byte[] data = cat(new byte[] {0x2F}, le32(bits), new byte[7]);
    return riff(cat(ascii("VP8L"), le32(data.length), data));
  }

  private static byte[] webpVp8x(int width, int height) {
    byte[] data = cat(new byte[] {0x10, 0, 0, 0}, le24(width - 1), le24(height - 1));
    byte[] vp8 = webpVp8(width, height);
    // A real VP8X file continues with the image chunk; the reader only needs VP8X.
    byte[] rest = Arrays.copyOfRange(vp8, 12, vp8.length);
    return riff(cat(ascii("VP8X"), le32(data.length), data, rest));
  }

  private static byte[] heic(long width, long height) {
    return cat(ftyp("heic", "mif1"), meta(ispe(width, height)), box("mdat", new byte[32]));
  }

  private static byte[] heicWithExtraBoxes() {
    return cat(ftyp("mif1", "heic"),
        fullBox("meta", fullBox("hdlr", new byte[20]),
            box("iprp", box("ipco", box("colr", new byte[8]), ispe(7, 9)))));
  }

  private static byte[] ftyp(String major, String... compatible) {
    ByteArrayOutputStream brands = new ByteArrayOutputStream();
    for (String c : compatible) {
      brands.writeBytes(ascii(c));
    }
    return box("ftyp", ascii(major), u32(0), brands.toByteArray());
  }

  private static byte[] meta(byte[]... properties) {
    return fullBox("meta", box("iprp", box("ipco", properties)));
  }

  private static byte[] ispe(long width, long height) {
    return fullBox("ispe", u32(width), u32(height));
  }

  private static byte[] box(String type, byte[]... payload) {
    byte[] body = cat(payload);
    return cat(u32(8 + body.length), ascii(type), body);
  }

  private static byte[] fullBox(String type, byte[]... payload) {
    return box(type, cat(new byte[4], cat(payload)));
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] u32(long v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  private static byte[] u64(long v) {
    return cat(u32(v >>> 32), u32(v));
  }

  private static byte[] le16(int v) {
    return new byte[] {(byte) v, (byte) (v >>> 8)};
  }

  private static byte[] le24(int v) {
    return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16)};
  }

  private static byte[] le32(long v) {
    return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
  }

  // ---- assertions ----

  private static void assertInfo(ImageFormat format, int width, int height, ImageInfo info) {
    assertEquals(new ImageInfo(format, width, height), info);
  }

  private static void assertFails(String fragment, byte[] bytes) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageHeaders.read(bytes));
    assertTrue(e.getMessage().contains(fragment),
        () -> "expected \"" + fragment + "\" in \"" + e.getMessage() + "\"");
  }

  private static void assertFailsStated(String fragment, byte[] bytes, ImageFormat stated) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageHeaders.read(bytes, stated));
    assertTrue(e.getMessage().contains(fragment),
        () -> "expected \"" + fragment + "\" in \"" + e.getMessage() + "\"");
  }
}
