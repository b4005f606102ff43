package dev.skellyjelly.storage.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * How the database file gives back what retention frees: {@code auto_vacuum = INCREMENTAL} (set on a new
 * database before its first table, or by one full {@code VACUUM} of an older one when the disk has room),
 * free pages handed back a few at a time ({@link WalCheckpoints} then truncates the write-ahead log). Blocking: on the
 * writer's thread only.
 */
final class FileShrink {

  /** Logged under the writer's name, which runs it. */
  private static final Logger LOG = LoggerFactory.getLogger(DbWriterVerticle.class);
  /** {@code PRAGMA auto_vacuum}'s value for INCREMENTAL. */
  static final int INCREMENTAL = 2;

  private FileShrink() {
  }

  /**
   * Makes an empty (new) database file incremental before anything is written to it: auto_vacuum is recorded
   * in the header SQLite writes when it switches to WAL, and can no longer change without a VACUUM once a table
   * exists.
   */
  static void prepareNew(Path database) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database); Statement s = c.createStatement()) {
      s.executeUpdate("PRAGMA auto_vacuum = INCREMENTAL");
      s.execute("PRAGMA journal_mode = WAL");
    }
  }

  /**
   * Converts a database that is not incremental by one full VACUUM, on a connection of its own before the writer's
   * opens (so before the writer takes any events), when the file system has at least twice the database's size
   * free (VACUUM writes a copy of it); otherwise logs why and leaves it as it is. Whether the database is
   * incremental afterwards.
   */
  static boolean convert(Path database) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database + "?busy_timeout="
      + WriterConnection.BUSY_TIMEOUT_MS); Statement s = c.createStatement()) {
      if (pragma(s, "auto_vacuum") == INCREMENTAL) {
        return true;
      }
      long size = fileBytes(database);
      long free;
      try {
        free = Files.getFileStore(database).getUsableSpace();
      } catch (IOException e) {
        LOG.warn("database {} is not incrementally vacuumed and the free space of its file system is unknown ({}); "
          + "left as it is", database, e.getMessage());
        return false;
      }
      if (free < 2 * size) {
        LOG.warn("database {} ({} bytes) is not incrementally vacuumed, and converting it needs twice its size free "
          + "where {} bytes are: left as it is (retention's freed pages are reused, the file does not shrink)",
          database, size, free);
        return false;
      }
      long started = System.nanoTime();
      LOG.info("converting database {} ({} bytes) to incremental auto-vacuum: one full VACUUM", database, size);
      s.executeUpdate("PRAGMA auto_vacuum = INCREMENTAL");
      s.executeUpdate("VACUUM");
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      LOG.info("database {} converted in {} ms: {} bytes", database, (System.nanoTime() - started) / 1_000_000,
        fileBytes(database));
      return pragma(s, "auto_vacuum") == INCREMENTAL;
    }
  }

  private static long pragma(Statement s, String name) throws SQLException {
    try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  static int autoVacuum(WriterConnection db) throws SQLException {
    return db.read(c -> c.query("PRAGMA auto_vacuum", rs -> rs.getInt(1))).get(0);
  }

  /** Free pages in the database file: what an incremental vacuum can give back. */
  static long freePages(WriterConnection db) throws SQLException {
    return db.read(c -> c.query("PRAGMA freelist_count", rs -> rs.getLong(1))).get(0);
  }

  static long pageSize(WriterConnection db) throws SQLException {
    return db.read(c -> c.query("PRAGMA page_size", rs -> rs.getLong(1))).get(0);
  }

  static long pageCount(WriterConnection db) throws SQLException {
    return db.read(c -> c.query("PRAGMA page_count", rs -> rs.getLong(1))).get(0);
  }

  /** Gives back up to {@code pages} free pages from the end of the file (one short write transaction). */
  static void vacuumStep(WriterConnection db, long pages) throws SQLException {
    db.runScript("PRAGMA incremental_vacuum(" + pages + ")");
  }

  /** The database file and its write-ahead log, in bytes. */
  static long fileBytes(Path database) {
    long size = 0;
    for (Path file : new Path[]{database, CompanionFiles.wal(database)}) {
      try {
        size += Files.size(file);
      } catch (IOException missing) {
        // No WAL yet.
      }
    }
    return size;
  }
}
