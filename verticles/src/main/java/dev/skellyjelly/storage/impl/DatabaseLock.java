package dev.skellyjelly.storage.impl;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The lock beside a database file ({@code <database>.lock}) that keeps a second module off it. The holder
 * writes its pid and host into the file so the refused one can name it. The operating system releases the
 * lock when the holder dies, even by SIGKILL.
 */
final class DatabaseLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;

  private DatabaseLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Blocking: call from a worker thread. */
  static DatabaseLock acquire(Path database) throws IOException {
    Path path = database.resolveSibling(database.getFileName() + ".lock");
    if (!Files.exists(path)) {
      try {
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // Another process created it first; the lock decides.
      }
    }
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException sameProcess) {
      channel.close();
      throw new IllegalStateException("database " + database + " is in use by this process (pid "
        + ProcessHandle.current().pid() + ")");
    }
    if (lock == null) {
      String holder = new String(Files.readAllBytes(path), StandardCharsets.UTF_8).trim();
      channel.close();
      throw new IllegalStateException("database " + database + " is in use by "
        + (holder.isEmpty() ? "another process" : holder));
    }
    String me = "pid " + ProcessHandle.current().pid() + " (" + ManagementFactory.getRuntimeMXBean().getName() + ")\n";
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
    return new DatabaseLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
