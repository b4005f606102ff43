package dev.skellyjelly.storage.impl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * A screenshot held on disk: a file created new, whose name is removed as soon as it is open (before any byte is
 * written), so that no other process can open it by name; the open channel keeps its content, which the system frees
 * when the channel is closed or the process ends, however it ends. Where the system refuses to remove the name of an
 * open file (Windows), the file keeps its name until {@link #close()}, and the start-up sweep removes what a crash
 * left. All methods block: call them on a worker thread.
 */
final class HeldFile implements AutoCloseable {

  private final FileChannel channel;
  /** The file's name while it has one, else null. */
  private final Path named;
  private final int size;

  private HeldFile(FileChannel channel, Path named, int size) {
    this.channel = channel;
    this.named = named;
    this.size = size;
  }

  /** Creates {@code path} (which must not exist) with {@code attributes}, removes its name, writes {@code bytes}. */
  static HeldFile create(Path path, byte[] bytes, FileAttribute<?>... attributes) throws IOException {
    FileChannel channel = FileChannel.open(path,
      Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE), attributes);
    Path named = null;
    try {
      try {
        Files.delete(path);
      } catch (IOException refused) {
        // Not on this system: the name stays until close.
        named = path;
      }
      FileSlices.write(channel, bytes);
      return new HeldFile(channel, named, bytes.length);
    } catch (IOException | RuntimeException e) {
      try {
        channel.close();
        if (named != null) {
          Files.deleteIfExists(named);
        }
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** Whether the file still has a name (the system refused to remove it while open). */
  boolean named() {
    return named != null;
  }

  /** The whole content, read through the open channel. */
  byte[] read() throws IOException {
    return FileSlices.read(channel, size);
  }

  /** Frees the content: closes the channel, and removes the name where it stayed. */
  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      if (named != null) {
        Files.deleteIfExists(named);
      }
    }
  }
}
