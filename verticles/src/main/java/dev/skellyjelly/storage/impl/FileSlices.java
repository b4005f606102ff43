package dev.skellyjelly.storage.impl;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * Whole-file reads and writes of images, in slices no larger than the JDK's cached temporary direct buffer
 * ({@code jdk.nio.maxCachedBufferSize} in conf/jvm.options). The JDK copies heap arrays through such a buffer;
 * a larger request gets a fresh native buffer of its full size each time, and the C allocator keeps what those
 * leave behind: several MB per image, for good.
 */
public final class FileSlices {

  static final int SLICE = 256 * 1024;

  private FileSlices() {
  }

  /** Reads a whole file (blocking). */
  public static byte[] read(Path path) throws IOException {
    try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = in.size();
      if (size > Integer.MAX_VALUE - 8) {
        throw new IOException(path + " is too large to read at once: " + size + " bytes");
      }
      byte[] bytes = new byte[(int) size];
      ByteBuffer dst = ByteBuffer.wrap(bytes);
      while (dst.position() < bytes.length) {
        dst.limit(Math.min(bytes.length, dst.position() + SLICE));
        if (in.read(dst) < 0) {
          throw new EOFException(path + " ended after " + dst.position() + " of " + bytes.length + " bytes");
        }
      }
      return bytes;
    }
  }

  /** Writes {@code bytes} at the channel's position (blocking). */
  static void write(FileChannel out, byte[] bytes) throws IOException {
    ByteBuffer src = ByteBuffer.wrap(bytes);
    while (src.position() < bytes.length) {
      src.limit(Math.min(bytes.length, src.position() + SLICE));
      out.write(src);
    }
  }

  /** Reads {@code size} bytes from the start of an open channel, without moving its position (blocking). */
  static byte[] read(FileChannel in, int size) throws IOException {
    byte[] bytes = new byte[size];
    ByteBuffer dst = ByteBuffer.wrap(bytes);
    while (dst.position() < size) {
      dst.limit(Math.min(size, dst.position() + SLICE));
      if (in.read(dst, dst.position()) < 0) {
        throw new EOFException("held file ended after " + dst.position() + " of " + size + " bytes");
      }
    }
    return bytes;
  }

  /**
   * Creates {@code path}, which must not exist, with {@code attributes} and writes {@code bytes} into it
   * (blocking). A write that fails (disk full) removes the file it created: no part of an image stays behind.
   */
  public static void writeNew(Path path, byte[] bytes, FileAttribute<?>... attributes) throws IOException {
    FileChannel out = FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes);
    try (out) {
      ByteBuffer src = ByteBuffer.wrap(bytes);
      while (src.position() < bytes.length) {
        src.limit(Math.min(bytes.length, src.position() + SLICE));
        out.write(src);
      }
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }
}
