package dev.skellyjelly.storage.impl;

import java.nio.file.Path;
import java.util.List;

/** The files SQLite keeps beside a database in WAL mode: the write-ahead log and its shared-memory index. */
final class CompanionFiles {

  private CompanionFiles() {
  }

  /** {@code <database>-wal}: committed pages not yet checkpointed into the database file. */
  static Path wal(Path database) {
    return sibling(database, "-wal");
  }

  /** {@code <database>-shm}: the index of the write-ahead log. */
  static Path shm(Path database) {
    return sibling(database, "-shm");
  }

  /** Both companions of {@code database}. */
  static List<Path> of(Path database) {
    return List.of(wal(database), shm(database));
  }

  private static Path sibling(Path database, String suffix) {
    return database.resolveSibling(database.getFileName() + suffix);
  }
}
