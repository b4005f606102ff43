package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The runnable jar as a child process, started the way the README starts it ({@code java @conf/jvm.options
 * -jar src/target/skelly-storage.jar ...}) but isolated: its working directory, {@code HOME} and
 * {@code user.home} are directories the test owns, and no {@code SKELLY_STORAGE_*} variable of the test's own
 * environment leaks in. Stdout and stderr are read line by line as they arrive.
 */
final class JarProcess implements AutoCloseable {

  /** Path of {@code src/target/skelly-storage.jar}, passed by failsafe (it/pom.xml). */
  static final Path JAR = Path.of(required("skelly.jar")).toAbsolutePath().normalize();
  /** The {@code conf/} directory of the repository, passed by failsafe (it/pom.xml). */
  static final Path CONF = Path.of(required("skelly.conf")).toAbsolutePath().normalize();

  /** The -Xmx of conf/jvm.options, in MB (the last one not in a comment, as the JVM reads it). */
  static long heapMb() {
    try {
      long mb = -1;
      for (String line : java.nio.file.Files.readAllLines(CONF.resolve("jvm.options"))) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*-Xmx(\\d+)([mMgG])\\s*$").matcher(line);
        if (m.matches()) {
          mb = Long.parseLong(m.group(1)) * (m.group(2).equalsIgnoreCase("g") ? 1024 : 1);
        }
      }
      if (mb < 0) {
        throw new IllegalStateException("no -Xmx in conf/jvm.options");
      }
      return mb;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private final Process process;
  private final List<String> out = new ArrayList<>();
  private final List<String> err = new ArrayList<>();
  private final Thread outReader;
  private final Thread errReader;
  private final List<String> command;

  private JarProcess(Process process, List<String> command) {
    this.process = process;
    this.command = command;
    this.outReader = reader(process.getInputStream(), out, "stdout");
    this.errReader = reader(process.getErrorStream(), err, "stderr");
  }

  /**
   * Starts {@code java <conf/jvm.options> -jar skelly-storage.jar <args>}.
   *
   * @param workDir the child's working directory (with no conf/storage.toml unless the test wants one)
   * @param home    the child's HOME and user.home, so nothing reaches the real home directory
   * @param env     extra environment variables
   */
  static JarProcess start(Path workDir, Path home, Map<String, String> env, List<String> args) throws IOException {
    return start(List.of(), workDir, home, env, args);
  }

  /**
   * As {@link #start(Path, Path, Map, List)}, with {@code wrapper} in front of the java command (e.g. nsenter
   * into a namespace). The wrapper must exec java, so that the child's pid stays the JVM's.
   */
  static JarProcess start(List<String> wrapper, Path workDir, Path home, Map<String, String> env, List<String> args)
    throws IOException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: build it first (mvn package)");
    }
    Files.createDirectories(workDir);
    Files.createDirectories(home);
    List<String> command = new ArrayList<>(wrapper);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions());
    command.addAll(extraFlags());
    command.add("-Duser.home=" + home);
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SKELLY_STORAGE_"));
    pb.environment().put("HOME", home.toString());
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return new JarProcess(pb.start(), command);
  }

  static JarProcess start(Path workDir, Path home, List<String> args) throws IOException {
    return start(workDir, home, Map.of(), args);
  }

  /**
   * JVM flags from {@code IT_MODULE_JVM_FLAGS} (space-separated) after conf/jvm.options', for profiling a module an
   * IT starts (e.g. {@code -XX:StartFlightRecording:filename=module.jfr}); none when it is unset.
   */
  static List<String> extraFlags() {
    String flags = System.getenv("IT_MODULE_JVM_FLAGS");
    return flags == null || flags.isBlank() ? List.of() : List.of(flags.strip().split("\\s+"));
  }

  /**
   * The flags of conf/jvm.options, with paths relative to the repository root (a conf/ file a -D flag names)
   * made absolute: the child runs elsewhere so that no conf/storage.toml of the repository is picked up.
   */
  static List<String> jvmOptions() throws IOException {
    Path root = CONF.getParent();
    List<String> flags = new ArrayList<>();
    for (String line : Files.readAllLines(CONF.resolve("jvm.options"), StandardCharsets.UTF_8)) {
      String flag = line.trim();
      if (flag.isEmpty() || flag.startsWith("#")) {
        continue;
      }
      int eq = flag.indexOf("=conf/");
      if (flag.startsWith("-D") && eq > 0) {
        flag = flag.substring(0, eq + 1) + root.resolve(flag.substring(eq + 1));
      }
      flags.add(flag);
    }
    return flags;
  }

  /**
   * The temp files of screenshots process {@code pid} holds open after their names were removed from {@code shots}
   * (Linux's {@code /proc/<pid>/fd}, readable by the same user), by screenshot id; each path reads the file's
   * content while it is held. Dev mode's copies keep their names and are not among them.
   */
  static Map<String, Path> heldScreenshots(long pid, Path shots) throws IOException {
    Map<String, Path> held = new java.util.TreeMap<>();
    if (!Files.isDirectory(shots)) {
      return held;
    }
    String prefix = shots.toRealPath() + "/";
    try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      for (Path fd : fds.toList()) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException closedMeanwhile) {
          continue;
        }
        if (target.startsWith(prefix) && target.endsWith(".png (deleted)") && !target.startsWith(prefix + "dev/")) {
          held.put(target.substring(prefix.length(), target.length() - ".png (deleted)".length()), fd);
        }
      }
    }
    return held;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * SIGTERM: a graceful stop. Sent through the process handle: {@code Process.destroy()} also closes our ends
   * of the child's pipes, so the summary it prints while stopping would be lost (and its writes fail).
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** SIGKILL: a crash, nothing runs after it. */
  void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor();
  }

  /** Waits for the exit and for both streams to be read to their end; fails (killing the child) on timeout. */
  int waitForExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("child did not exit within " + timeout + "\n" + describe());
    }
    outReader.join(10_000);
    errReader.join(10_000);
    return process.exitValue();
  }

  /** Waits until a stderr line matches, and returns it; fails if the child exits or the timeout passes first. */
  String awaitStderr(Predicate<String> wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (err) {
      int seen = 0;
      while (true) {
        for (; seen < err.size(); seen++) {
          if (wanted.test(err.get(seen))) {
            return err.get(seen);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!errReader.isAlive() && seen == err.size())) {
          throw new AssertionError("no matching line on stderr within " + timeout + " (alive: "
            + process.isAlive() + ")\n" + describe());
        }
        err.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
      }
    }
  }

  List<String> stdoutLines() {
    synchronized (out) {
      return List.copyOf(out);
    }
  }

  List<String> stderrLines() {
    synchronized (err) {
      return List.copyOf(err);
    }
  }

  /** The command, the exit status and the output so far: the message of any failed assertion about the child. */
  String describe() {
    return "command: " + String.join(" ", command) + "\nexit: " + (process.isAlive() ? "running" : process.exitValue())
      + "\n--- stdout\n" + String.join("\n", stdoutLines()) + "\n--- stderr\n" + String.join("\n", stderrLines());
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Thread reader(InputStream in, List<String> lines, String name) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
          }
        }
      } catch (IOException closed) {
        // The child is gone.
      } finally {
        synchronized (lines) {
          lines.notifyAll();
        }
      }
    }, "jar-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + property + " is not set (failsafe passes it, see it/pom.xml)");
    }
    return value;
  }

  /** The summary: stdout's last line, one JSON object (CONTRACT §6). */
  JsonObject summary() {
    List<String> lines = stdoutLines();
    if (lines.isEmpty()) {
      throw new AssertionError("nothing on stdout\n" + describe());
    }
    try {
      return new JsonObject(lines.get(lines.size() - 1));
    } catch (RuntimeException e) {
      throw new AssertionError("stdout's last line is not one JSON object: " + e.getMessage() + "\n" + describe());
    }
  }

  /** One number from the child's database (read after the child exited: the test's connection may checkpoint). */
  static long scalar(Path database, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /** Every row of a query, each as a list of column values. */
  static List<List<Object>> rows(Path database, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<List<Object>> rows = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>(columns);
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
      return rows;
    }
  }

  /** {@code run} on the given (scratch) database and screenshot directory, then {@code more} arguments. */
  static List<String> run(Path database, Path screenshots, String... more) {
    List<String> args = new ArrayList<>(List.of("run", "--set", "database_path=" + database,
      "--set", "screenshot_temp_dir=" + screenshots));
    args.addAll(List.of(more));
    return args;
  }
}
