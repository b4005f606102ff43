package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real browser for the tests: Debian's headless Chromium, driven by {@code puppeteer-core} in a Node.js process
 * (src/test/resources/inspector-driver.js) that takes one JSON command per line. Chromium and puppeteer-core are
 * installed on first use, the way BridgesIT installs its npm client: the system package with apt-get when absent,
 * the npm package into {@code target/npm-puppeteer}. Where neither can be had (no root, offline) the test is skipped.
 */
final class PageDriver implements AutoCloseable {

  static final String PUPPETEER = "puppeteer-core@24.43.1";
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  private final Process process;
  private final OutputStream commands;
  private final BlockingQueue<String> answers = new ArrayBlockingQueue<>(16);
  private final Path log;

  private PageDriver(Process process, Path log) {
    this.process = process;
    this.commands = process.getOutputStream();
    this.log = log;
    Thread reader = new Thread(() -> read(process.getInputStream()), "page-driver");
    reader.setDaemon(true);
    reader.start();
  }

  /** Installs what is missing and starts the browser; {@code env} is the Node process's extra environment (TZ). */
  static PageDriver start(java.util.Map<String, String> env) throws Exception {
    installChromium();
    Path npmDir = installPuppeteer();
    Path script = npmDir.resolve("inspector-driver.js");
    try (InputStream in = PageDriver.class.getResourceAsStream("/inspector-driver.js")) {
      Files.write(script, in.readAllBytes());
    }
    Path log = npmDir.resolve("driver.log");
    ProcessBuilder pb = new ProcessBuilder("node", script.toString(), CHROMIUM.toString()).directory(npmDir.toFile())
      .redirectError(log.toFile());
    pb.environment().putAll(env);
    return new PageDriver(pb.start(), log);
  }

  private static void installChromium() throws Exception {
    if (Files.isExecutable(CHROMIUM)) {
      return;
    }
    Path log = Files.createDirectories(Path.of("target").toAbsolutePath()).resolve("apt-chromium.log");
    Process apt = new ProcessBuilder("sh", "-c", "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium")
      .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = apt.waitFor(10, TimeUnit.MINUTES);
    assumeTrue(done && apt.exitValue() == 0 && Files.isExecutable(CHROMIUM),
      "apt-get install chromium failed (not root? offline?): " + ClusterIT.tail(log));
  }

  private static Path installPuppeteer() throws Exception {
    Path npmDir = Files.createDirectories(Path.of("target", "npm-puppeteer").toAbsolutePath());
    if (!Files.isDirectory(npmDir.resolve("node_modules/puppeteer-core"))) {
      // A package.json of its own, so npm installs here and not into some parent project.
      Files.writeString(npmDir.resolve("package.json"), "{\"name\": \"skelly-it-puppeteer\", \"private\": true}\n");
      // PUPPETEER_SKIP_DOWNLOAD: the system's Chromium is the browser; nothing else is fetched.
      ProcessBuilder pb = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", PUPPETEER)
        .directory(npmDir.toFile()).redirectErrorStream(true).redirectOutput(npmDir.resolve("npm.log").toFile());
      pb.environment().put("PUPPETEER_SKIP_DOWNLOAD", "true");
      Process npm = pb.start();
      boolean done = npm.waitFor(3, TimeUnit.MINUTES);
      assumeTrue(done && npm.exitValue() == 0, "npm install " + PUPPETEER + " failed (offline?): "
        + ClusterIT.tail(npmDir.resolve("npm.log")));
    }
    return npmDir;
  }

  /** Opens {@code url} in a new tab (fresh sessionStorage) of the given size, and waits for its load event. */
  void open(String url, int width, int height) throws Exception {
    call(new JsonObject().put("cmd", "open").put("url", url).put("width", width).put("height", height), 30);
  }

  void viewport(int width, int height) throws Exception {
    call(new JsonObject().put("cmd", "viewport").put("width", width).put("height", height), 10);
  }

  /** The value of a JavaScript expression in the page (JSON-serialisable). */
  Object eval(String expression) throws Exception {
    return call(new JsonObject().put("cmd", "eval").put("expr", expression), 10);
  }

  String text(String selector) throws Exception {
    return (String) eval("(document.querySelector(" + quote(selector) + ") || {}).textContent ?? null");
  }

  /** Waits until the expression is truthy in the page and returns its value; fails naming it after the timeout. */
  Object waitFor(String expression, Duration timeout) throws Exception {
    return call(new JsonObject().put("cmd", "waitFor").put("expr", expression).put("timeoutMs", timeout.toMillis()),
      timeout.toSeconds() + 10);
  }

  void click(String selector) throws Exception {
    call(new JsonObject().put("cmd", "click").put("selector", selector), 10);
  }

  void type(String selector, String text) throws Exception {
    call(new JsonObject().put("cmd", "type").put("selector", selector).put("text", text), 10);
  }

  void press(String key) throws Exception {
    call(new JsonObject().put("cmd", "press").put("key", key), 10);
  }

  void screenshot(Path file, boolean fullPage) throws Exception {
    call(new JsonObject().put("cmd", "screenshot").put("path", file.toString()).put("fullPage", fullPage), 30);
  }

  /** Every response the page received since the last call: url, method, status, authorization header. */
  JsonArray requests() throws Exception {
    return (JsonArray) call(new JsonObject().put("cmd", "requests"), 10);
  }

  /** Requests the page made that have had no response yet, each with how long it has waited. */
  JsonArray pending() throws Exception {
    return (JsonArray) call(new JsonObject().put("cmd", "pending"), 10);
  }

  /** The page's console messages and uncaught errors since the last call. */
  JsonArray messages() throws Exception {
    return (JsonArray) call(new JsonObject().put("cmd", "messages"), 10);
  }

  static String quote(String s) {
    return new JsonArray().add(s).encode().replaceAll("^\\[|]$", "");
  }

  private synchronized Object call(JsonObject command, long timeoutSeconds) throws Exception {
    commands.write((command.encode() + "\n").getBytes(StandardCharsets.UTF_8));
    commands.flush();
    String line = answers.poll(timeoutSeconds, TimeUnit.SECONDS);
    if (line == null) {
      throw new AssertionError("the browser driver did not answer " + command.getString("cmd") + " within "
        + timeoutSeconds + " s\n" + ClusterIT.tail(log));
    }
    JsonObject answer = new JsonObject(line);
    if (answer.containsKey("error")) {
      throw new AssertionError(command.getString("cmd") + " " + command.encode() + " failed: " + answer.getString("error")
        + "\n" + ClusterIT.tail(log));
    }
    return answer.getValue("result");
  }

  private void read(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        answers.put(line);
      }
    } catch (IOException | InterruptedException ended) {
      // The driver is gone.
    }
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      try {
        commands.write("{\"cmd\":\"quit\"}\n".getBytes(StandardCharsets.UTF_8));
        commands.flush();
      } catch (IOException gone) {
        // Already closed.
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
