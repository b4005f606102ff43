package dev.skellyjelly.storage.codecs;

/**
 * Identifies PNG, WebP and HEIC images and reads their pixel size from the header alone.
 *
 * <p>Nothing here decodes pixels: PNG and WebP cost a fixed number of byte reads whatever the file
 * size, and HEIC walks box headers only, skipping box bodies. Every problem is reported as an
 * {@link IllegalArgumentException} whose message names the problem but never quotes image bytes,
 * so it is safe to log.
 */
public final class ImageHeaders {

  private static final byte[] PNG_SIGNATURE = {
    (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'
  };

  // PNG: signature, IHDR length and type, then width and height.
  private static final int PNG_HEADER = 24;
  // WebP: "RIFF", size, "WEBP", then the first chunk's fourcc and size.
  private static final int WEBP_CHUNK_DATA = 20;
  // VP8: 3-byte frame tag, 3-byte start code, two 16-bit sizes.
  private static final int VP8_HEADER = WEBP_CHUNK_DATA + 10;
  // VP8L: signature byte, then 4 bytes holding both sizes.
  private static final int VP8L_HEADER = WEBP_CHUNK_DATA + 5;
  // VP8X: flags, 3 reserved, 24-bit width - 1, 24-bit height - 1.
  private static final int VP8X_HEADER = WEBP_CHUNK_DATA + 10;

  // Brands meaning "HEIF still image" (mif1/msf1 are generic HEIF, treated as HEIC by contract).
  private static final String[] HEIC_BRANDS = {
    "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"
  };

  private ImageHeaders() {}

  /**
   * The format announced by the magic bytes, or null when none matches (including null or empty
   * input). Never throws.
   */
  public static ImageFormat sniff(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    if (bytes.length >= PNG_SIGNATURE.length && startsWith(bytes, PNG_SIGNATURE)) {
      return ImageFormat.PNG;
    }
    if (bytes.length >= 12 && ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WEBP")) {
      return ImageFormat.WEBP;
    }
    if (isHeifFtyp(bytes)) {
      return ImageFormat.HEIC;
    }
    return null;
  }

  /**
   * Format and pixel size read from the header.
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed header of a known format,
   *     or if a dimension is zero or exceeds {@code int}
   */
  public static ImageInfo read(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw bad("empty image");
    }
    ImageFormat format = sniff(bytes);
    if (format == null) {
      // A cut-off PNG signature is worth a more precise message than "unknown".
      if (bytes.length < PNG_SIGNATURE.length && startsWith(PNG_SIGNATURE, bytes)) {
        throw cutShort("PNG header", bytes.length, PNG_HEADER);
      }
      throw bad("not a known image format");
    }
    switch (format) {
      case PNG:
        return readPng(bytes);
      case WEBP:
        return readWebp(bytes);
      case HEIC:
        return readHeic(bytes);
      default:
        // A constant added to ImageFormat later has no reader yet.
        throw bad("no header reader for " + format.wireName());
    }
  }

  /**
   * As {@link #read(byte[])}, and also checks the sniffed format against the one the sender stated.
   *
   * @throws IllegalArgumentException as {@link #read(byte[])}, or "image is png, stated webp" when
   *     the magic bytes contradict {@code stated}
   */
  public static ImageInfo read(byte[] bytes, ImageFormat stated) {
    if (bytes == null || bytes.length == 0) {
      throw bad("empty image");
    }
    if (stated == null) {
      throw bad("no stated image format");
    }
    ImageFormat actual = sniff(bytes);
    if (actual != null && actual != stated) {
      throw bad("image is " + actual.wireName() + ", stated " + stated.wireName());
    }
    // Unknown magic falls through so read() reports the precise reason.
    return read(bytes);
  }

  // ---- PNG ----

  private static ImageInfo readPng(byte[] b) {
    if (b.length < PNG_HEADER) {
      throw cutShort("PNG header", b.length, PNG_HEADER);
    }
    if (!ascii(b, 12, "IHDR")) {
      throw bad("PNG first chunk is not IHDR");
    }
    long length = u32be(b, 8);
    if (length != 13) {
      throw bad("PNG IHDR length is " + length + ", not 13");
    }
    return info(ImageFormat.PNG, u32be(b, 16), u32be(b, 20));
  }

  // ---- WebP ----

  private static ImageInfo readWebp(byte[] b) {
    if (b.length < WEBP_CHUNK_DATA) {
      throw cutShort("WebP header", b.length, WEBP_CHUNK_DATA);
    }
    if (ascii(b, 12, "VP8 ")) {
      if (b.length < VP8_HEADER) {
        throw cutShort("WebP chunk VP8", b.length, VP8_HEADER);
      }
      // The start code follows the 3-byte frame tag.
      if ((b[23] & 0xFF) != 0x9D || (b[24] & 0xFF) != 0x01 || (b[25] & 0xFF) != 0x2A) {
        throw bad("WebP chunk VP8 has no start code");
      }
      // The top two bits of each 16-bit field are a scaling hint, not size.
      return info(ImageFormat.WEBP, u16le(b, 26) & 0x3FFF, u16le(b, 28) & 0x3FFF);
    }
    if (ascii(b, 12, "VP8L")) {
      if (b.length < VP8L_HEADER) {
        throw cutShort("WebP chunk VP8L", b.length, VP8L_HEADER);
      }
      if ((b[20] & 0xFF) != 0x2F) {
        throw bad("WebP chunk VP8L has no 0x2F signature");
      }
      long bits = u32le(b, 21);
      return info(ImageFormat.WEBP, (bits & 0x3FFF) + 1, ((bits >>> 14) & 0x3FFF) + 1);
    }
    if (ascii(b, 12, "VP8X")) {
      if (b.length < VP8X_HEADER) {
        throw cutShort("WebP chunk VP8X", b.length, VP8X_HEADER);
      }
      return info(ImageFormat.WEBP, u24le(b, 24) + 1L, u24le(b, 27) + 1L);
    }
    // The fourcc itself is not quoted: it is file content.
    throw bad("WebP first chunk is not VP8, VP8L or VP8X");
  }

  // ---- HEIC (ISO-BMFF) ----

  private static ImageInfo readHeic(byte[] b) {
    // Top-level walk also validates ftyp and whatever precedes meta (e.g. an early mdat).
    int[] meta = findBox(b, 0, b.length, "meta");
    if (meta == null) {
      throw bad("HEIC has no ispe box (no meta box)");
    }
    // meta is a full box: version and flags precede its children.
    if (meta[1] - meta[0] < 4) {
      throw bad("HEIC meta box too small for version and flags");
    }
    int[] iprp = findBox(b, meta[0] + 4, meta[1], "iprp");
    if (iprp == null) {
      throw bad("HEIC has no ispe box (no iprp box in meta)");
    }
    int[] ipco = findBox(b, iprp[0], iprp[1], "ipco");
    if (ipco == null) {
      throw bad("HEIC has no ispe box (no ipco box in iprp)");
    }
    int[] ispe = findBox(b, ipco[0], ipco[1], "ispe");
    if (ispe == null) {
      throw bad("HEIC has no ispe box");
    }
    // Full box: version/flags, then width and height.
    if (ispe[1] - ispe[0] < 12) {
      throw bad("HEIC ispe box too small (" + (ispe[1] - ispe[0]) + " of 12 payload bytes)");
    }
    return info(ImageFormat.HEIC, u32be(b, ispe[0] + 4), u32be(b, ispe[0] + 8));
  }

  /**
   * Finds the first box of {@code type} among the boxes filling [start, end) and returns its
   * payload range {start, end}, or null if there is none. Each step advances by at least 8 bytes,
   * so the walk always terminates; malformed sizes throw.
   */
  private static int[] findBox(byte[] b, int start, int end, String type) {
    int pos = start;
    while (pos < end) {
      int left = end - pos;
      if (left < 8) {
        throw bad("HEIC box header cut short at offset " + pos + " (" + left + " of 8 bytes)");
      }
      long size = u32be(b, pos);
      int header = 8;
      if (size == 1) {
        if (left < 16) {
          throw bad("HEIC box header cut short at offset " + pos + " (" + left + " of 16 bytes)");
        }
        // 64-bit largesize; negative as signed means beyond 2^63, certainly an overrun.
        size = s64be(b, pos + 8);
        header = 16;
      } else if (size == 0) {
        // "Extends to the end of the file"; inside a container that is the container's end.
        size = left;
      }
      if (size < 0 || size > left) {
        throw bad("HEIC box at offset " + pos + " overruns its container (size "
            + Long.toUnsignedString(size) + ", " + left + " bytes left)");
      }
      if (size < header) {
        throw bad("HEIC box at offset " + pos + " has size " + size + ", below its "
            + header + "-byte header");
      }
      if (ascii(b, pos + 4, type)) {
        return new int[] {pos + header, pos + (int) size};
      }
      pos += (int) size;
    }
    return null;
  }

  /** Whether an ftyp box at offset 4 lists a HEIF image brand as major or compatible brand. */
  private static boolean isHeifFtyp(byte[] b) {
    if (b.length < 12 || !ascii(b, 4, "ftyp")) {
      return false;
    }
    long size = u32be(b, 0);
    int header = 8;
    if (size == 1) {
      if (b.length < 16) {
        return false;
      }
      size = s64be(b, 8);
      header = 16;
    } else if (size == 0) {
      size = b.length;
    }
    // Lenient about sizes (read() validates them): scan what is both declared and present.
    long end = (size < 0) ? b.length : Math.min(size, b.length);
    if (header + 4 <= end && isHeifBrand(b, header)) {
      return true;
    }
    // Compatible brands follow the 4-byte minor version.
    for (long p = header + 8; p + 4 <= end; p += 4) {
      if (isHeifBrand(b, (int) p)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isHeifBrand(byte[] b, int off) {
    for (String brand : HEIC_BRANDS) {
      if (ascii(b, off, brand)) {
        return true;
      }
    }
    return false;
  }

  // ---- helpers ----

  private static ImageInfo info(ImageFormat format, long width, long height) {
    if (width == 0) {
      throw bad("zero width");
    }
    if (height == 0) {
      throw bad("zero height");
    }
    if (width > Integer.MAX_VALUE) {
      throw bad("width " + width + " does not fit in int");
    }
    if (height > Integer.MAX_VALUE) {
      throw bad("height " + height + " does not fit in int");
    }
    return new ImageInfo(format, (int) width, (int) height);
  }

  private static IllegalArgumentException cutShort(String what, int have, int need) {
    return bad(what + " cut short (" + have + " of " + need + " bytes)");
  }

  private static IllegalArgumentException bad(String message) {
    return new IllegalArgumentException(message);
  }

  /** Whether {@code b} begins with all of {@code prefix}; callers ensure b is long enough. */
  private static boolean startsWith(byte[] b, byte[] prefix) {
    for (int i = 0; i < prefix.length; i++) {
      if (b[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether the bytes at {@code off} spell ASCII {@code tag}; false if they run past the end. */
  private static boolean ascii(byte[] b, int off, String tag) {
    int n = tag.length();
    if (off < 0 || off > b.length - n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (b[off + i] != (byte) tag.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static long u32be(byte[] b, int off) {
    return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFFL) << 16)
        | ((b[off + 2] & 0xFFL) << 8) | (b[off + 3] & 0xFFL);
  }

  private static long s64be(byte[] b, int off) {
    return (u32be(b, off) << 32) | u32be(b, off + 4);
  }

  private static int u16le(byte[] b, int off) {
    return (b[off] & 0xFF) | ((b[off + 1] & 0xFF) << 8);
  }

  private static int u24le(byte[] b, int off) {
    return (b[off] & 0xFF) | ((b[off + 1] & 0xFF) << 8) | ((b[off + 2] & 0xFF) << 16);
  }

  private static long u32le(byte[] b, int off) {
    return (b[off] & 0xFFL) | ((b[off + 1] & 0xFFL) << 8)
        | ((b[off + 2] & 0xFFL) << 16) | ((b[off + 3] & 0xFFL) << 24);
  }
}
