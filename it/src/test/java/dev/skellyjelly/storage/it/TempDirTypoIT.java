package dev.skellyjelly.storage.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.skellyjelly.storage.it.JarProcess.run;
import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The typo of the issue: {@code screenshot_temp_dir} set to the directory that holds the database (and with
 * {@code ~} to the home directory). The start-up sweep of that directory once deleted the person's whole
 * history; now the run is refused before anything is touched: exit 2, a message naming the key, the database
 * byte for byte as it was.
 */
class TempDirTypoIT {

  @TempDir
  Path tmp;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aTempDirHoldingTheDatabaseOrHomeIsRefusedAndTheDatabaseIsUntouched() throws Exception {
    Path dbDir = tmp.resolve("home/.skelly-jelly");
    Path db = dbDir.resolve("events.db");
    try (JarProcess first = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"),
      run(db, dbDir.resolve("screenshots"), "--simulate", "200", "--duration", "2s"))) {
      assertEquals(0, first.waitForExit(Duration.ofMinutes(1)), first.describe());
    }
    long events = scalar(db, "SELECT sum(n) FROM event_counts");
    assertTrue(events > 0);
    byte[] before = Files.readAllBytes(db);
    List<Path> filesBefore = list(dbDir);

    for (String typo : List.of(dbDir.toString(), "~/.skelly-jelly", "~", dbDir.getParent().toString())) {
      try (JarProcess p = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"), run(db, Path.of(typo),
        "--simulate", "200", "--duration", "2s"))) {
        assertEquals(2, p.waitForExit(Duration.ofMinutes(1)), p.describe());
        assertTrue(p.stderrLines().stream().anyMatch(l -> l.contains("screenshot_temp_dir")), p.describe());
      }
      assertArrayEquals(before, Files.readAllBytes(db), "the database changed with screenshot_temp_dir=" + typo);
      assertEquals(filesBefore, list(dbDir), "files beside the database changed with screenshot_temp_dir=" + typo);
    }
    assertEquals(events, scalar(db, "SELECT sum(n) FROM event_counts"));
  }

  private static List<Path> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
