package dev.skellyjelly.storage.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.InstantSource;

/**
 * The database file the writer holds open: made private to its owner (with its directory and companion
 * files), locked against a second module, connected, migrated and made incremental ({@link FileShrink}); and
 * told apart from a file put in its place. Blocking: used on the writer's worker thread only.
 */
final class DatabaseFile implements AutoCloseable {

  private static final String OWNER_ONLY = "rw-------";

  private final Path path;
  private final DatabaseLock lock;
  private final Object fileKey;
  private final WriterConnection connection;

  private DatabaseFile(Path path, DatabaseLock lock, Object fileKey, WriterConnection connection) {
    this.path = path;
    this.lock = lock;
    this.fileKey = fileKey;
    this.connection = connection;
  }

  /**
   * Locks, opens and migrates the database at {@code path}, creating it (and its directory) if needed. On
   * failure whatever was taken is released, so that a later attempt starts afresh.
   */
  static DatabaseFile open(Path path, InstantSource clock) throws IOException, SQLException {
    Path dir = path.getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    if (Files.isDirectory(path)) {
      throw new IOException("database path " + path + " is a directory");
    }
    DatabaseLock lock = DatabaseLock.acquire(path);
    WriterConnection connection = null;
    try {
      boolean fresh = !Files.exists(path) || Files.size(path) == 0;
      makePrivate(path);
      Object fileKey = fileKey(path);
      if (fresh) {
        FileShrink.prepareNew(path);
      } else {
        FileShrink.convert(path);
      }
      connection = new WriterConnection(path);
      Migrations.apply(connection, path, clock);
      return new DatabaseFile(path, lock, fileKey, connection);
    } catch (IOException | SQLException | RuntimeException e) {
      if (connection != null) {
        connection.close();
      }
      lock.close();
      throw e;
    }
  }

  /**
   * Opens a new database where the old one vanished. A journal the vanished database left must not be
   * replayed into the new one, so it goes first.
   */
  static DatabaseFile openAnew(Path path, InstantSource clock) throws IOException, SQLException {
    if (!Files.exists(path)) {
      for (Path companion : CompanionFiles.of(path)) {
        Files.deleteIfExists(companion);
      }
    }
    return open(path, clock);
  }

  Path path() {
    return path;
  }

  WriterConnection connection() {
    return connection;
  }

  /**
   * Whether the file at the path is no longer the one opened. SQLite keeps writing into a file that was
   * deleted or replaced underneath it, and everything committed there would be lost without an error.
   */
  boolean replaced() {
    try {
      return !fileKey.equals(fileKey(path));
    } catch (IOException | RuntimeException gone) {
      return true;
    }
  }

  /** The database and its write-ahead log, in bytes, as far as they exist. */
  long sizeBytes() {
    return FileShrink.fileBytes(path);
  }

  /** Closes the connection and releases the lock. */
  @Override
  public void close() throws IOException {
    connection.close();
    lock.close();
  }

  private static void makePrivate(Path path) throws IOException {
    var owner = PosixFilePermissions.fromString(OWNER_ONLY);
    if (!Files.exists(path)) {
      Files.createFile(path, PosixFilePermissions.asFileAttribute(owner));
    }
    Files.setPosixFilePermissions(path, owner);
    for (Path companion : CompanionFiles.of(path)) {
      if (Files.exists(companion)) {
        Files.setPosixFilePermissions(companion, owner);
      }
    }
  }

  private static Object fileKey(Path path) throws IOException {
    return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
  }
}
