package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code run --cluster} across JVMs on loopback: the module (the jar, a scratch database) and
 * {@link ClusterClient}, a JVM with plain Vert.x + Hazelcast + the codecs jar that joins with the secrets the
 * module keeps beside its database. Every event the client sends, typed or JSON, comes back to it exactly once
 * on both batch addresses, the module's database holds each once, and neither Hazelcast nor the clustered
 * event bus listens anywhere but on loopback. Local processes that are not members ({@link ClusterIntruder}):
 * one with a wrong cluster name, one on the event-bus port without the install's key pair, get nothing in and
 * nothing out, and the module's memory stays bounded.
 */
class ClusterIT {

  static final int N = 100_000;
  /** The module's resident memory after the 1 GB frame, at most (its heap is conf/jvm.options'). */
  static final long RSS_BOUND_BYTES = 300L << 20;

  @TempDir
  Path dir;
  /** Child JVMs a failed assertion would otherwise leave running. */
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void stopChildren() {
    children.forEach(Process::destroyForcibly);
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void eventsFromAnotherJvmComeBackInBatchesExactlyOnceAndNonMembersGetNothing() throws Exception {
    int modulePort = freePort();
    Path db = dir.resolve("db").resolve("events.db");
    // As the README runs it, from a directory holding conf/cluster.xml as shipped; cluster_name as shipped ("").
    Path work = Files.createDirectories(dir.resolve("work").resolve("conf")).getParent();
    Files.copy(JarProcess.CONF.resolve("cluster.xml"), work.resolve("conf/cluster.xml"));
    Path foreign = foreignKeystore(dir);
    try (JarProcess module = JarProcess.start(work, dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"), "--cluster",
      "--set", "cluster_host=127.0.0.1", "--set", "cluster_port=" + modulePort,
      "--set", "cluster_members=127.0.0.1:" + modulePort,
      "--set", "batch_window_seconds=2", "--set", "window_grace_ms=1100", "--set", "write_flush_interval_ms=100"))) {
      // Hazelcast forms the cluster before the module deploys: once it has started, a client can join it.
      module.awaitStderr(line -> line.contains("storage module started"), Duration.ofSeconds(90));

      // The secrets the person's other modules read: a generated name and the members' key pair, owner-only.
      Path nameFile = db.resolveSibling(ClusterClient.NAME_FILE);
      String name = Files.readString(nameFile).strip();
      assertTrue(name.matches("[A-Za-z0-9_-]{32,}"), "a random url-safe name: " + name);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(nameFile)));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        db.resolveSibling(ClusterClient.KEYSTORE_FILE))));
      assertFalse(String.join("\n", module.stderrLines()).contains(name), "the name is not logged");

      List<InetSocketAddress> listening = Sockets.listening(module.pid());
      assertTrue(listening.stream().anyMatch(a -> a.getPort() == modulePort),
        "the Hazelcast member listens on cluster_port " + modulePort + ": " + listening);
      assertTrue(listening.size() >= 2, "Hazelcast and the clustered event bus listen: " + listening);
      Sockets.assertAllLoopback(listening);
      List<Integer> eventBusPorts = listening.stream().map(InetSocketAddress::getPort).filter(p -> p != modulePort)
        .distinct().toList();

      // A process on the event-bus port without the key pair: nothing delivered, no memory spent on its frame.
      for (int port : eventBusPorts) {
        JsonObject raw = intruder(dir.resolve("raw-" + port), "raw", Integer.toString(port), foreign.toString());
        JsonObject clear = raw.getJsonObject("clear");
        assertTrue(clear.getBoolean("closed_by_module"), "the module closed the clear connection: " + raw.encode());
        assertTrue(clear.getLong("written") < 16L << 20, "it took at most 16 MB of the 1 GB frame: " + raw.encode());
        assertTrue(raw.getJsonObject("tls_without_certificate").getBoolean("refused"), raw.encode());
        assertTrue(raw.getJsonObject("tls_foreign_certificate").getBoolean("refused"), raw.encode());
        assertTrue(module.isAlive(), module::describe);
        long rss = rssBytes(module.pid());
        assertTrue(rss < RSS_BOUND_BYTES, "module RSS " + (rss >> 20) + " MB");
        System.out.println("ClusterIT: non-member on event-bus port " + port + ": " + raw.encode() + "; module RSS "
          + (rss >> 20) + " MB");
      }

      // A member with the key pair but a wrong name: Hazelcast refuses the join, so it is alone in its cluster.
      ProcessBuilder wrongName = new ProcessBuilder(javaCommand(ClusterIntruder.class, "-Xmx256m", "wrong-name",
        db.getParent().toString(), Integer.toString(modulePort), Integer.toString(freePort())))
        .redirectOutput(dir.resolve("wrong.out").toFile()).redirectError(dir.resolve("wrong.err").toFile());
      Process intruder = wrongName.start();
      await().atMost(Duration.ofSeconds(90)).until(() -> !intruder.isAlive()
        || Files.readString(dir.resolve("wrong.err")).contains("READY"));
      assertTrue(intruder.isAlive(), "the wrong-name member started\n" + tail(dir.resolve("wrong.err")));

      // The raw bus's far end: a member under the module's own JVM flags that only receives.
      List<String> rawFlags = new ArrayList<>(JarProcess.jvmOptions());
      Process rawNode = new ProcessBuilder(javaCommand(RawNode.class, rawFlags, db.getParent().toString(),
        Integer.toString(modulePort), Integer.toString(freePort())))
        .redirectOutput(dir.resolve("raw-node.out").toFile()).redirectError(dir.resolve("raw-node.err").toFile()).start();
      children.add(rawNode);
      await().atMost(Duration.ofSeconds(90)).until(() -> !rawNode.isAlive()
        || Files.readString(dir.resolve("raw-node.err")).contains("READY"));
      assertTrue(rawNode.isAlive(), "the raw node started\n" + tail(dir.resolve("raw-node.err")));

      Process client = startJvm(ClusterClient.class, "-Xmx512m", dir.resolve("client.out"), dir.resolve("client.err"),
        db.getParent().toString(), Integer.toString(modulePort), Integer.toString(freePort()), Integer.toString(N));
      assertTrue(client.waitFor(170, TimeUnit.SECONDS), "the client finished in time\n" + tail(dir.resolve("client.err")));
      List<String> out = Files.readAllLines(dir.resolve("client.out"));
      assertEquals(0, client.exitValue(), "client exit code\n" + tail(dir.resolve("client.err")));
      JsonObject r = new JsonObject(out.get(out.size() - 1));
      System.out.println("ClusterIT client: " + r.encodePrettily());
      assertEquals(null, r.getString("error"), () -> "client: " + r.getString("error") + "\n" + module.describe());

      // Every event sent; every marker acknowledged as committed; none refused as invalid.
      for (String k : List.of("typed", "json")) {
        assertEquals(N, r.getInteger(k + "_sent"));
        assertEquals(r.getInteger(k + "_markers"), r.getInteger(k + "_markers_acked"));
        assertEquals(0, r.getInteger(k + "_rejected"));
      }
      assertEquals(2 * N, r.getInteger("sent"));
      // Each event exactly once on each address, unchanged, and nothing the client did not send.
      for (String address : List.of("typed", "json")) {
        assertEquals(2 * N, r.getInteger(address + "_distinct"), address + " batches carry every event");
        assertEquals(0, r.getLong(address + "_repeated"), address + " batches repeat no event");
        assertEquals(0, r.getLong(address + "_missing"), address + " batches miss no event");
        assertEquals(0, r.getLong(address + "_unknown"), address + " batches carry nothing else");
        assertEquals(0, r.getLong(address + "_different"), address + ": " + r.getString("first_difference"));
      }
      JsonObject seenByModule = r.getJsonObject("module");
      assertEquals(2 * N, seenByModule.getLong("events_batched"));
      assertEquals(seenByModule.getLong("batches_emitted"), r.getLong("typed_batches"));
      assertEquals(seenByModule.getLong("batches_emitted"), r.getLong("json_batches"));

      // The batches went out: none reached the wrong-name member, whose request found no handler at all.
      intruder.getOutputStream().close();
      assertTrue(intruder.waitFor(60, TimeUnit.SECONDS), tail(dir.resolve("wrong.err")));
      List<String> wrongOut = Files.readAllLines(dir.resolve("wrong.out"));
      JsonObject w = new JsonObject(wrongOut.get(wrongOut.size() - 1));
      assertEquals("NO_HANDLERS", w.getString("request"), w.encode());
      assertEquals(0, w.getLong("batches"), w.encode());

      rawNode.getOutputStream().close();
      assertTrue(rawNode.waitFor(60, TimeUnit.SECONDS), tail(dir.resolve("raw-node.err")));
      List<String> rawOut = Files.readAllLines(dir.resolve("raw-node.out"));
      assertEquals(ClusterClient.BASELINE_N / 4 + 2 * ClusterClient.BASELINE_N,
        new JsonObject(rawOut.get(rawOut.size() - 1)).getLong("received"), "the raw node received every event sent to it");

      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      JsonObject summary = module.summary();
      // Exactly the client's events: nothing of the non-members' arrived.
      assertEquals(2L * N, summary.getLong("events_received"), summary.encode());
      assertEquals(2L * N, summary.getLong("events_persisted"), summary.encode());
      assertEquals(2L * N, summary.getLong("events_batched"), summary.encode());
      assertEquals(0, summary.getLong("dead_letters"), summary.encode());
      assertEquals(0, summary.getLong("dropped"), summary.encode());
      assertEquals(2L * N, JarProcess.scalar(db, "SELECT sum(n) FROM event_counts"), "events in the database");

      // On a shared machine these numbers move with its load; they are printed for the record, not asserted.
      double raw = (r.getLong("baseline_rate") + r.getLong("baseline_after_rate")) / 2.0;
      double rawNodeRate = (r.getLong("raw_node_rate") + r.getLong("raw_node_after_rate")) / 2.0;
      System.out.printf("ClusterIT: clustered ingest of %d typed + %d JSON events (fire-and-forget, one in %d a request"
          + " acknowledged after commit, %d unanswered per stream at most): %d events/s (typed %d/s, JSON %d/s), committed;"
          + " raw clustered send of the same shape into a JVM under the module's flags that only receives: %d/s before,"
          + " %d/s after; ingest / raw = %.2f; raw clustered send of two typed streams between the client's two nodes:"
          + " %d/s before, %d/s after; ingest / that = %.2f; cluster join %d ms%n",
        N, N, ClusterClient.MARKER_EVERY, ClusterClient.MARKERS_IN_FLIGHT, r.getLong("ingest_rate"), r.getLong("typed_rate"),
        r.getLong("json_rate"), r.getLong("raw_node_rate"), r.getLong("raw_node_after_rate"), r.getLong("ingest_rate") / rawNodeRate,
        r.getLong("baseline_rate"), r.getLong("baseline_after_rate"), r.getLong("ingest_rate") / raw, r.getLong("join_ms"));
    }
  }

  /** {@code cluster_name = "skelly-jelly"}, the old public default, stops start-up with exit 2 naming the key. */
  @Test
  void theOldPublicClusterNameIsRefused() throws Exception {
    Path db = dir.resolve("db").resolve("events.db");
    try (JarProcess module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db,
      dir.resolve("shots"), "--cluster", "--set", "cluster_name=skelly-jelly", "--set", "cluster_port=" + freePort()))) {
      assertEquals(2, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      assertTrue(module.stderrLines().stream().anyMatch(l -> l.contains("cluster_name") && l.contains("public")),
        module::describe);
      assertFalse(Files.exists(db.resolveSibling(ClusterClient.KEYSTORE_FILE)), "nothing made before refusing");
    }
  }

  /** Another account's key pair in {@code dir}: a keystore like the module's, made by the JDK's keytool. */
  static Path foreignKeystore(Path dir) throws Exception {
    Path file = dir.resolve("foreign.p12");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
      "-genkeypair", "-noprompt", "-alias", "member", "-keyalg", "EC", "-groupname", "secp256r1",
      "-dname", "CN=skelly-storage cluster member", "-validity", "30", "-storetype", "PKCS12",
      "-keystore", file.toString(), "-storepass", ClusterClient.KEYSTORE_PASSWORD,
      "-keypass", ClusterClient.KEYSTORE_PASSWORD).redirectErrorStream(true)
      .redirectOutput(dir.resolve("keytool.out").toFile()).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), tail(dir.resolve("keytool.out")));
    return file;
  }

  /** Runs {@link ClusterIntruder} to its end; its JSON line. */
  static JsonObject intruder(Path files, String... args) throws Exception {
    Process p = startJvm(ClusterIntruder.class, "-Xmx512m", Path.of(files + ".out"), Path.of(files + ".err"), args);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), tail(Path.of(files + ".err")));
    assertEquals(0, p.exitValue(), tail(Path.of(files + ".err")));
    List<String> lines = Files.readAllLines(Path.of(files + ".out"));
    return new JsonObject(lines.get(lines.size() - 1));
  }

  private static long rssBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS for " + pid);
  }

  /** The jar embeds the same Hazelcast configuration that conf/ ships, for a run without ./conf/cluster.xml. */
  @Test
  void embeddedClusterConfigurationIsConfClusterXml() throws IOException {
    Path conf = Path.of(System.getProperty("skelly.conf"), "cluster.xml");
    try (ZipFile jar = new ZipFile(System.getProperty("skelly.jar"));
         InputStream embedded = jar.getInputStream(jar.getEntry("cluster.xml"))) {
      assertArrayEquals(Files.readAllBytes(conf), embedded.readAllBytes());
    }
  }

  /**
   * Another JVM on this test's classpath running {@code main}'s main method, its stdout and stderr in files: the
   * other modules of {@link ClusterIT} and {@link BadInputIT}.
   */
  static Process startJvm(Class<?> main, String maxHeap, Path out, Path err, String... args) throws IOException {
    return new ProcessBuilder(javaCommand(main, maxHeap, args)).redirectOutput(out.toFile()).redirectError(err.toFile())
      .start();
  }

  static List<String> javaCommand(Class<?> main, String maxHeap, String... args) {
    return javaCommand(main, List.of(maxHeap), args);
  }

  /** As {@link #javaCommand(Class, String, String...)}, with JVM flags of the caller's choice. */
  static List<String> javaCommand(Class<?> main, List<String> flags, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(flags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    return command;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String tail(Path file) {
    try {
      List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  /** The TCP sockets a process listens on, from /proc (Linux). */
  static final class Sockets {
    static List<InetSocketAddress> listening(long pid) throws IOException {
      assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux /proc");
      Set<String> inodes = new HashSet<>();
      try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
        for (Path fd : fds) {
          try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[")) {
              inodes.add(target.substring(8, target.length() - 1));
            }
          } catch (IOException closedMeanwhile) {
            // A descriptor closed while we listed them.
          }
        }
      }
      List<InetSocketAddress> found = new ArrayList<>();
      for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
        Path path = Path.of(table);
        if (!Files.exists(path)) {
          continue;
        }
        List<String> lines = Files.readAllLines(path);
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.strip().split("\\s+");
          if (!f[3].equals("0A") || !inodes.contains(f[9])) {
            continue;
          }
          String[] hostPort = f[1].split(":");
          found.add(new InetSocketAddress(address(hostPort[0]), Integer.parseInt(hostPort[1], 16)));
        }
      }
      return found;
    }

    /** /proc prints each 32-bit word of the address in host (little-endian) order. */
    private static InetAddress address(String hex) {
      byte[] raw = new byte[hex.length() / 2];
      for (int i = 0; i < raw.length; i++) {
        raw[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
      }
      byte[] ordered = new byte[raw.length];
      for (int word = 0; word < raw.length; word += 4) {
        for (int b = 0; b < 4; b++) {
          ordered[word + b] = raw[word + 3 - b];
        }
      }
      try {
        return InetAddress.getByAddress(ordered);
      } catch (java.net.UnknownHostException e) {
        throw new UncheckedIOException(e);
      }
    }

    static void assertAllLoopback(List<InetSocketAddress> listening) {
      for (InetSocketAddress a : listening) {
        assertNotNull(a.getAddress());
        assertTrue(a.getAddress().isLoopbackAddress(), "listens on a non-loopback address: " + a + " (all: " + listening + ")");
      }
    }
  }
}
