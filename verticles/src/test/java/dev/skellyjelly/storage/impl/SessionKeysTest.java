package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sessions get their keys in order of arrival, so a new session's rows go to the end of every table keyed by session;
 * the writer's page cache grows for commits of many sessions and shrinks back after them.
 */
class SessionKeysTest {

  private static final long T0 = 1_764_151_200_000L;
  private static final long WINDOW_MS = 30_000;

  @TempDir
  Path dir;

  @Test
  void keysFollowArrivalAndThePageCacheFollowsTheSessionsOfACommit() throws Exception {
    Path database = dir.resolve("events.db");
    try (WriterConnection db = new WriterConnection(database)) {
      Migrations.apply(db, database, InstantSource.fixed(Instant.ofEpochMilli(T0)));
      Committer committer = new Committer(WINDOW_MS, 60_000);
      db.read(c -> {
        committer.load(c);
        return null;
      });
      String regular = UUID.randomUUID().toString();
      List<String> arrival = new ArrayList<>(List.of(regular));
      committer.commit(db, List.of(keystroke(regular, T0)), List.of(), List.of(), T0);
      assertEquals(List.of(-2_000), cacheSize(db));

      // A flood: more sessions in one commit than MANY_SESSIONS, and the regular session again among them.
      List<Accepted> flood = new ArrayList<>();
      for (int i = 0; i < Committer.MANY_SESSIONS + 44; i++) {
        String fresh = UUID.randomUUID().toString();
        arrival.add(fresh);
        flood.add(keystroke(fresh, T0 + 1 + i));
        if (i == 100) {
          flood.add(keystroke(regular, T0 + 1 + i));
        }
      }
      committer.commit(db, flood, List.of(), List.of(), T0);
      assertEquals(List.of(-WriterConnection.LARGE_CACHE_KIB), cacheSize(db));
      assertEquals(arrival, db.read(c -> c.query("SELECT session_id FROM sessions ORDER BY sk", rs -> rs.getString(1))));
      // The flood's new sessions' blocks, in the order they were written, have ever larger keys: the end of the table.
      List<Long> keys = db.read(c -> c.query("SELECT sk FROM event_blocks WHERE sk > 1 ORDER BY block",
        rs -> rs.getLong(1)));
      assertEquals(Committer.MANY_SESSIONS + 44, keys.size());
      assertEquals(keys.stream().sorted().toList(), keys);
      assertEquals(List.of(2L), db.read(c -> c.query("SELECT sum(n) FROM event_counts WHERE session_id = ?",
        rs -> rs.getLong(1), regular)));

      committer.commit(db, List.of(keystroke(regular, T0 + 1_000)), List.of(), List.of(), T0);
      assertEquals(List.of(-2_000), cacheSize(db));
      assertEquals(List.of(1L), db.read(c -> c.query("SELECT sk FROM sessions WHERE session_id = ?",
        rs -> rs.getLong(1), regular)), "a session keeps its key");
    }
  }

  private static List<Integer> cacheSize(WriterConnection db) throws Exception {
    return db.read(c -> c.query("PRAGMA cache_size", rs -> rs.getInt(1)));
  }

  private static Accepted keystroke(String session, long ts) {
    return new Accepted(new RawEvent(UUID.randomUUID().toString(), session, ts,
      new Keystroke(42, new Keystroke.Modifiers(false, false, false, false), 120L)), false, null, 0, null);
  }
}
