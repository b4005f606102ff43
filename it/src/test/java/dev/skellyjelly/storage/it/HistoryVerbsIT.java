package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The history verbs of the built jar (CONTRACT §6, §8) as a person types them: pause, resume, forget, export and
 * import against the running module (over its HTTP, token from {@code bridge.token}) and against the file when none
 * runs (the mutations over the TCP bridge when it serves no HTTP); exit 0 with the result on stdout, 2 for bad
 * arguments, 1 when export or import cannot reach a running module (naming {@code http_port}), each with a one-line
 * reason. Export, deleting everything and import give back the same answer;
 * a second import stores nothing; a restart emits no batch for imported history.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HistoryVerbsIT {

  private static final String EVENTS = "query($from: DateTime!, $to: DateTime!) { events(from: $from, to: $to, "
    + "first: 1000) { events { id sessionId timestamp type app data } nextCursor } "
    + "appUsage(from: $from, to: $to) { app focusedMs switches keystrokes clicks } "
    + "sessions(from: $from, to: $to) { id first last events } }";

  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private Path db;
  private List<String> location;

  /** Result of one command: its exit code, stdout lines, stderr lines. */
  private record Cli(int exit, List<String> out, List<String> err) {
    String last() {
      return out.isEmpty() ? "" : out.get(out.size() - 1);
    }

    String reason() {
      return err.isEmpty() ? "" : err.get(err.size() - 1);
    }
  }

  private Cli cli(String verb, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(verb));
    all.addAll(location);
    all.addAll(List.of(args));
    JarProcess p = JarProcess.start(dir.resolve("work"), dir.resolve("home"), all);
    try {
      int exit = p.waitForExit(Duration.ofSeconds(90));
      return new Cli(exit, p.stdoutLines(), p.stderrLines());
    } finally {
      p.close();
    }
  }

  private JarProcess module(String... more) throws Exception {
    return JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"), more));
  }

  private static void stop(JarProcess module) throws Exception {
    module.terminate();
    assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
    module.close();
  }

  @Test
  void verbsAgainstTheRunningModuleAndTheFile() throws Exception {
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    db = dir.resolve("db").resolve("events.db");
    location = List.of("--set", "database_path=" + db, "--set", "screenshot_temp_dir=" + dir.resolve("shots"));
    long now = System.currentTimeMillis();
    long t0 = now - 1_200_000;
    JsonObject variables = new JsonObject().put("from", t0 - 60_000).put("to", now);
    int sent = 60;
    JsonObject before;
    Path file = dir.resolve("out").resolve("history.jsonl");
    Files.createDirectories(file.getParent());

    JarProcess module = module("--set", "http_port=" + httpPort, "--set", "tcp_bridge_port=" + tcpPort,
      "--set", "write_flush_interval_ms=50", "--set", "window_grace_ms=200");
    try {
      CrashLoopIT.awaitHealthy(http, module, httpPort);
      String token = Files.readString(db.resolveSibling("bridge.token")).strip();
      String session = UUID.randomUUID().toString();
      try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
        for (int i = 0; i < sent; i++) {
          JsonObject data = i % 10 == 0
            ? new JsonObject().put("window_title", "doc " + i).put("app_name", "App" + (i % 20)).put("process_id", 7)
            : new JsonObject().put("key_code", 65 + i).put("modifiers", new JsonObject().put("shift", false)
              .put("ctrl", false).put("alt", false).put("meta", false));
          JsonObject e = new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session)
            .put("timestamp", t0 + i * 9_000L).put("event_type", i % 10 == 0 ? "window_focus" : "keystroke")
            .put("data", data);
          JsonObject ack = c.request(Addresses.RAW_EVENT, e, "ack-" + i).getJsonObject("body");
          assertEquals(true, ack.getBoolean("committed"), ack::encode);
        }
      }

      Cli paused = cli("pause");
      assertEquals(0, paused.exit(), paused::toString);
      assertEquals(new JsonObject().put("paused", true).put("until", null), pick(paused.last(), "paused", "until"));
      Cli resumed = cli("resume");
      assertEquals(0, resumed.exit(), resumed::toString);
      assertEquals(false, new JsonObject(resumed.last()).getBoolean("paused"));
      Cli timed = cli("pause", "--for", "5m");
      assertEquals(0, timed.exit(), timed::toString);
      long until = dev.skellyjelly.storage.codecs.Timestamps.parse(new JsonObject(timed.last()).getString("until"));
      assertTrue(Math.abs(until - (System.currentTimeMillis() + 300_000)) < 60_000, timed::toString);
      assertEquals(0, cli("resume").exit());
      assertEquals(2, cli("pause", "--for", "5m", "--until", "2030-01-01T00:00:00Z").exit());

      // The events are 11 to 20 minutes old: forgetting the last 15 minutes would take some of them.
      Cli forget = cli("forget", "15m", "--dry-run");
      assertEquals(0, forget.exit(), forget::toString);
      JsonObject d = new JsonObject(forget.last());
      assertEquals(true, d.getBoolean("dryRun"), forget::toString);
      long forgetFrom = dev.skellyjelly.storage.codecs.Timestamps.parse(d.getString("from"));
      assertEquals(900_000, dev.skellyjelly.storage.codecs.Timestamps.parse(d.getString("to")) - forgetFrom);
      long inRange = 0;
      for (int i = 0; i < sent; i++) {
        inRange += t0 + i * 9_000L >= forgetFrom ? 1 : 0;
      }
      assertEquals((double) inRange, d.getDouble("events"), forget::toString);
      Cli partMinute = cli("forget", "90s");
      assertEquals(2, partMinute.exit(), partMinute::toString);
      assertTrue(partMinute.reason().contains("whole minutes"), partMinute::toString);

      before = new JsonObject(cli("query", EVENTS, "--variables", variables.encode()).last()).getJsonObject("data");
      assertEquals(sent, before.getJsonObject("events").getJsonArray("events").size());

      Cli exported = cli("export", "--from", String.valueOf(t0 - 60_000), "--to", String.valueOf(now), "--out",
        file.toString());
      assertEquals(0, exported.exit(), exported::toString);
      assertEquals(new JsonObject().put("exported", sent).put("file", file.toString()), new JsonObject(exported.last()));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      List<String> lines = Files.readAllLines(file);
      assertEquals(sent + 1, lines.size());
      assertEquals("skelly-storage-export", new JsonObject(lines.get(0)).getString("format"));
      Cli toStdout = cli("export", "--from", String.valueOf(t0 - 60_000), "--to", String.valueOf(now));
      assertEquals(0, toStdout.exit(), toStdout::toString);
      assertEquals(lines.subList(1, lines.size()), toStdout.out().subList(1, toStdout.out().size()));

      Cli again = cli("import", file.toString());
      assertEquals(0, again.exit(), again::toString);
      assertEquals(0L, new JsonObject(again.last()).getLong("imported"));
      assertEquals((long) sent, new JsonObject(again.last()).getLong("duplicates"));

      Cli badTime = cli("export", "--from", "yesterday", "--to", "1");
      assertEquals(2, badTime.exit(), badTime::toString);
      assertEquals("skelly-storage: --from is not ISO-8601 with a zone: \"yesterday\"", badTime.reason());
      Cli noFile = cli("import", dir.resolve("missing.jsonl").toString());
      assertEquals(2, noFile.exit(), noFile::toString);
    } finally {
      stop(module);
    }

    // No module holds the database: the verbs work on the file. Everything deleted, then imported back.
    Cli dry = cli("delete", "--from", String.valueOf(t0 - 60_000), "--to", String.valueOf(now), "--dry-run");
    assertEquals(0, dry.exit(), dry::toString);
    assertEquals((double) sent, new JsonObject(dry.last()).getDouble("events"), dry::toString);
    Cli deleted = cli("delete", "--from", String.valueOf(t0 - 60_000), "--to", String.valueOf(now));
    assertEquals(0, deleted.exit(), deleted::toString);
    assertEquals((double) sent, new JsonObject(deleted.last()).getDouble("events"), deleted::toString);
    assertEquals(0L, JarProcess.scalar(db, "SELECT count(*) FROM window_counts"));
    assertEquals(0L, JarProcess.scalar(db, "SELECT count(*) FROM batches"));
    Cli badType = cli("delete", "--from", "0", "--to", "1", "--type", "keystrokes");
    assertEquals(2, badType.exit(), badType::toString);
    Cli imported = cli("import", file.toString());
    assertEquals(0, imported.exit(), imported::toString);
    assertEquals(new JsonObject().put("imported", sent).put("duplicates", 0).put("too_recent", 0).put("invalid", 0)
      .putNull("first_invalid"), new JsonObject(imported.last()));
    assertEquals(before, new JsonObject(cli("query", EVENTS, "--variables", variables.encode()).last()).getJsonObject("data"));
    Cli twice = cli("import", file.toString());
    assertEquals(0L, new JsonObject(twice.last()).getLong("imported"), twice::toString);
    assertEquals((long) sent, JarProcess.scalar(db, "SELECT sum(n) FROM window_counts"));
    Cli offlinePause = cli("pause", "--for", "1h");
    assertEquals(0, offlinePause.exit(), offlinePause::toString);
    assertEquals(0, cli("resume").exit());

    // A run after the import replays nothing: imported history is not news.
    JarProcess restarted = module("--set", "http_port=" + httpPort, "--set", "write_flush_interval_ms=50");
    try {
      CrashLoopIT.awaitHealthy(http, restarted, httpPort);
    } finally {
      stop(restarted);
    }
    assertEquals(0L, JarProcess.scalar(db, "SELECT count(*) FROM batches"));

    // A module with the TCP bridge but no HTTP: the mutations go over the bridge; export and import need HTTP
    // (exit 1 naming http_port).
    JarProcess quiet = module("--set", "tcp_bridge_port=" + tcpPort);
    try {
      quiet.awaitStderr(l -> l.contains("storage module started"), Duration.ofSeconds(60));
      Cli overBridge = cli("pause");
      assertEquals(0, overBridge.exit(), overBridge::toString);
      assertEquals(true, new JsonObject(overBridge.last()).getBoolean("paused"));
      assertEquals(0, cli("resume").exit());
      Cli refused = cli("import", file.toString());
      assertEquals(1, refused.exit(), refused::toString);
      assertTrue(refused.reason().contains("http_port"), refused::toString);
      Cli refusedExport = cli("export", "--from", "0", "--to", "1");
      assertEquals(1, refusedExport.exit(), refusedExport::toString);
      assertTrue(refusedExport.reason().contains("http_port"), refusedExport::toString);
    } finally {
      stop(quiet);
    }
  }

  private static JsonObject pick(String json, String... keys) {
    JsonObject all = new JsonObject(json);
    JsonObject out = new JsonObject();
    for (String k : keys) {
      out.put(k, all.getValue(k));
    }
    return out;
  }
}
