package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.app.sim.PngFactory;
import dev.skellyjelly.storage.codecs.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inspector page in a real browser (headless Chromium through puppeteer-core, {@link PageDriver}) against the
 * jar: it shows what a known mix of events sent over the TCP bridge says (rates, totals, today's counts per type,
 * the top app and its focused minutes), its pause stops storage of what comes next, its forget shows the dry-run
 * count and then removes exactly those events, and without the token it shows nothing. Screenshots of the page at
 * 1280×800 and 390×844 go to {@code target/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InspectorPageIT {

  static final String TOKEN = "inspector-test-token-0123456789abcdef";
  static final String[] TYPES = {"keystroke", "mouse_move", "mouse_click", "window_focus", "screenshot", "process", "resource"};
  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  static Path dir;
  JarProcess module;
  PageDriver browser;
  int httpPort;
  int tcpPort;
  String base;
  /** HTTP/1.1, as the page speaks it. */
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();
  /** The session every event of the test belongs to; T: the test's reference instant. */
  final String session = UUID.randomUUID().toString();
  Instant t0;
  /**
   * The browser's time zone: a fixed offset that puts its clock near noon when the test starts, so the page's
   * "today" (the browser's local day) holds the test's last 20 minutes whatever the hour it runs at.
   */
  ZoneOffset zone;
  /** Every event the module stored, by id: its type and timestamp (ms). */
  final Map<String, Sent> stored = new LinkedHashMap<>();
  TcpBridgeClient bridge;

  record Sent(String type, long ts) {
  }

  @BeforeAll
  void start() throws Exception {
    httpPort = ClusterIT.freePort();
    tcpPort = ClusterIT.freePort();
    base = "http://127.0.0.1:" + httpPort + "/";
    module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(dir.resolve("db/events.db"),
      dir.resolve("shots"), "--set", "http_port=" + httpPort, "--set", "tcp_bridge_port=" + tcpPort,
      "--set", "bridge_token=" + TOKEN, "--set", "idle_after_seconds=60", "--set", "dev_mode=true",
      "--set", "batch_window_seconds=2", "--set", "window_grace_ms=1000", "--set", "write_flush_interval_ms=100"));
    String line = module.awaitStderr(l -> l.contains("inspector page at"), Duration.ofSeconds(60));
    assertTrue(line.endsWith(base + "#token=" + TOKEN), line);
    CrashLoopIT.awaitHealthy(http, module, httpPort);
    int hours = 12 - java.time.LocalTime.now(ZoneOffset.UTC).getHour();
    zone = ZoneOffset.ofHours(hours);
    // IANA's Etc/GMT zones count westward: Etc/GMT-3 is three hours ahead of UTC.
    browser = PageDriver.start(Map.of("TZ", hours == 0 ? "Etc/GMT" : "Etc/GMT" + (hours > 0 ? "-" + hours : "+" + -hours)));
    bridge = TcpBridgeClient.connect(tcpPort, TOKEN);
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (bridge != null) {
        bridge.close();
      }
      if (browser != null) {
        browser.close();
      }
      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
    } finally {
      module.close();
    }
  }

  // ---------------------------------------------------------------- what the page shows

  @Test
  @Order(1)
  void showsTheNumbersSentRatesTodayAndTheTopApp() throws Exception {
    t0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    sendHistory();
    browser.open(base + "#token=" + TOKEN, 1280, 800);
    // The token left the address bar for sessionStorage.
    assertEquals(base, browser.eval("location.href"));

    // Live: 20 keystrokes and 50 mouse moves a second for 8 s; the page's rates follow them.
    Thread producer = new Thread(this::sendLive, "live-producer");
    producer.start();
    Object rates = browser.waitFor("(() => { const r = t => Number(document.querySelector("
      + "`#rates tr[data-type=${t}] .rate`)?.textContent); const k = r('keystroke'), m = r('mouse_move');"
      + " return k >= 12 && k <= 28 && m >= 30 && m <= 70 ? [k, m] : false; })()", Duration.ofSeconds(20));
    producer.join(30_000);
    System.out.println("InspectorPageIT rates shown (keystroke, mouse_move): " + rates);
    ack();

    // Since start and today (the browser's local day), per type: what was sent.
    Map<String, Long> total = countBy(e -> true);
    long midnight = LocalDate.now(zone).atStartOfDay(zone).toInstant().toEpochMilli();
    Map<String, Long> today = countBy(e -> e.ts() >= midnight);
    awaitColumn("#rates", ".total", total);
    awaitColumn("#today-counts", ".count", today);
    awaitText("#dead-table tr[data-reason=bad_timestamp] .count", "2");

    // The top app by focused time, as the rollups say: the editor, 6 minutes.
    browser.waitFor("document.querySelector('#app-usage tbody tr')?.dataset.app === 'editor'", WAIT);
    JsonObject top = graphql("query($f: DateTime!, $t: DateTime!) { appUsage(from: $f, to: $t, top: 10) { app focusedMs } }",
      new JsonObject().put("f", Instant.ofEpochMilli(midnight).toString()).put("t", Instant.now().toString()))
      .getJsonArray("appUsage").getJsonObject(0);
    assertEquals("editor", top.getString("app"));
    assertEquals(360_000.0, top.getDouble("focusedMs"), "6 minutes: keystrokes from T−20 to T−15 min, idle after 60 s");
    assertEquals("6.0", browser.text("#app-usage tr[data-app=editor] .focused"));
    assertEquals("3.0", browser.text("#app-usage tr[data-app=browser] .focused"));

    // Dev mode kept the two screenshots: the page shows both, fetched with the token.
    browser.waitFor("document.querySelectorAll('#dev-shots img').length === 2"
      + " && [...document.querySelectorAll('#dev-shots img')].every(i => i.complete && i.naturalWidth > 0)", WAIT);
    assertEquals("Healthy", browser.text("#health-status"));

    browser.screenshot(target("inspector-1280x800.png"), false);
    browser.screenshot(target("inspector-1280x800-full.png"), true);
    browser.viewport(390, 844);
    // Nothing wider than the screen, and the charts redrawn at its width.
    browser.waitFor("document.documentElement.scrollWidth <= 390"
      + " && Number(document.querySelector('#timeline-chart svg').getAttribute('width')) <= 390"
      + " && Number(document.querySelector('#apps-chart svg').getAttribute('width')) <= 390", Duration.ofSeconds(5));
    browser.screenshot(target("inspector-390x844.png"), false);
    browser.screenshot(target("inspector-390x844-full.png"), true);
    browser.viewport(1280, 800);

    // Every call went to the module, with the token; nothing left the machine.
    for (Object o : browser.requests()) {
      JsonObject r = (JsonObject) o;
      String url = r.getString("url");
      assertTrue(url.startsWith(base) || url.startsWith("blob:"), "a request to " + url);
      if (url.matches(".*/(graphql|metrics|health|dev/screenshots/.*)$")) {
        assertEquals("Bearer " + TOKEN, r.getString("authorization"), url);
        assertEquals(200, r.getInteger("status"), r.encode());
      }
    }
    assertEquals(List.of(), browser.messages().getList().stream().filter(m -> m.toString().startsWith("pageerror")
      || m.toString().startsWith("error")).toList(), "no script error in the page");
  }

  // ---------------------------------------------------------------- controls

  @Test
  @Order(2)
  void pausingFromThePageStopsStorageOfWhatComesNext() throws Exception {
    double droppedBefore = scrape().get("skelly_storage_dropped_total{reason=\"paused\"}");
    double persistedBefore = scrape().get("skelly_storage_events_persisted_total");
    // By keyboard alone: Tab to "Pause until resumed", Enter.
    browser.eval("document.activeElement.blur(), window.scrollTo(0, 0)");
    for (int i = 0; i < 30 && !"pause-open".equals(browser.eval("document.activeElement.id")); i++) {
      browser.press("Tab");
    }
    assertEquals("pause-open", browser.eval("document.activeElement.id"), "the pause button is reached with Tab");
    browser.press("Enter");
    awaitText("#capture-badge", "Paused until resumed");

    List<String> whilePaused = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      JsonObject e = BridgesIT.event(session, 0, System.currentTimeMillis());
      whilePaused.add(e.getString("id"));
      bridge.publish(Addresses.RAW_EVENT, e);
    }
    org.awaitility.Awaitility.await("25 dropped while paused").atMost(WAIT).pollInterval(Duration.ofMillis(100))
      .until(() -> scrape().get("skelly_storage_dropped_total{reason=\"paused\"}") == droppedBefore + 25);
    awaitPage("document.getElementById('capture-state').textContent.includes('25 events dropped while paused')");

    browser.click("#resume");
    awaitText("#capture-badge", "Recording");
    for (int i = 0; i < 6; i++) {
      record(BridgesIT.event(session, 2, System.currentTimeMillis()));
    }
    ack();
    assertEquals(persistedBefore + 7, scrape().get("skelly_storage_events_persisted_total"),
      "the six clicks after resuming and the acknowledged marker; none of the 25 sent while paused");
    Set<String> ids = storedIds();
    assertTrue(whilePaused.stream().noneMatch(ids::contains), "nothing sent while paused is stored");
    assertEquals(stored.keySet(), ids);
    // The page counts what was received, not what was dropped.
    awaitColumn("#rates", ".total", countBy(e -> true));
  }

  @Test
  @Order(3)
  void forgettingTheLastFiveMinutesShowsTheCountThenRemovesExactlyThoseEvents() throws Exception {
    browser.click("#forget-5");
    awaitPage("!document.getElementById('forget-preview').hidden");
    JsonObject range = (JsonObject) browser.eval("({ ...document.getElementById('forget-summary').dataset })");
    long from = Instant.parse(range.getString("from")).toEpochMilli();
    long to = Instant.parse(range.getString("to")).toEpochMilli();
    Set<String> doomed = stored.entrySet().stream().filter(e -> e.getValue().ts() >= from && e.getValue().ts() < to)
      .map(Map.Entry::getKey).collect(Collectors.toSet());
    assertTrue(doomed.size() > 500 && doomed.size() < stored.size(), "the recent part of what was sent: " + doomed.size());
    assertEquals(Long.toString(doomed.size()), range.getString("events"));
    assertTrue(browser.text("#forget-summary").contains(String.format(Locale.US, "%,d events", doomed.size())),
      browser.text("#forget-summary"));
    browser.screenshot(target("inspector-forget-preview.png"), false);
    // Nothing is gone before the person confirms.
    assertEquals(stored.keySet(), storedIds());

    browser.click("#forget-confirm");
    awaitPage("document.getElementById('control-status').textContent.startsWith('Forgot')");
    assertTrue(browser.text("#control-status").startsWith(String.format(Locale.US, "Forgot %,d events", doomed.size())),
      browser.text("#control-status"));
    doomed.forEach(stored::remove);
    assertEquals(stored.keySet(), storedIds(), "exactly the events of the range are gone");
    long midnight = LocalDate.now(zone).atStartOfDay(zone).toInstant().toEpochMilli();
    awaitColumn("#today-counts", ".count", countBy(e -> e.ts() >= midnight));
  }

  // ---------------------------------------------------------------- without the token

  @Test
  @Order(4)
  void withoutTheTokenThePageShowsNoDataAndGraphqlAnswers401() throws Exception {
    HttpResponse<String> bare = http.send(HttpRequest.newBuilder(URI.create(base + "graphql"))
      .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"{ capture { paused } }\"}"))
      .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, bare.statusCode(), bare.body());

    browser.open(base, 1280, 800);
    browser.waitFor("!document.getElementById('token-panel').hidden", WAIT);
    assertEquals(true, browser.eval("document.getElementById('data').hidden"));
    assertEquals(0, ((Number) browser.eval("document.querySelectorAll('#data tbody tr').length")).intValue());
    assertEquals(List.of(), calls(browser.requests()), "no call without a token");

    browser.type("#token-input", TOKEN + "-wrong");
    browser.press("Enter");
    browser.waitFor("document.getElementById('token-message').textContent.includes('refused')", WAIT);
    assertEquals(true, browser.eval("document.getElementById('data').hidden"));
    assertEquals(0, ((Number) browser.eval("document.querySelectorAll('#data tbody tr').length")).intValue());
    assertEquals(List.of("POST /graphql 401"), calls(browser.requests()), "one call, refused");
    assertEquals(null, browser.eval("sessionStorage.getItem('skelly-storage-token')"), "the refused token is not kept");
    browser.screenshot(target("inspector-no-token.png"), false);
  }

  @Test
  @Order(5)
  void devScreenshotsAreServedWithTheTokenAndFromTheModulesOwnOriginOnly() throws Exception {
    Path kept;
    try (var files = Files.list(dir.resolve("shots/dev"))) {
      kept = files.filter(f -> f.getFileName().toString().endsWith(".png")).findFirst().orElseThrow();
    }
    String url = base + "dev/screenshots/" + kept.getFileName().toString().replace(".png", "");
    HttpResponse<byte[]> ok = get(url, "Bearer " + TOKEN, null);
    assertEquals(200, ok.statusCode());
    assertEquals("image/png", ok.headers().firstValue("content-type").orElse(""));
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(kept), ok.body()), "the kept file's bytes");
    assertEquals(200, get(url, "Bearer " + TOKEN, "http://localhost:" + httpPort).statusCode());
    assertEquals(401, get(url, null, null).statusCode());
    assertEquals(401, get(url, "Bearer " + TOKEN + "x", null).statusCode());
    assertEquals(403, get(url, "Bearer " + TOKEN, "http://example.com").statusCode());
    assertEquals(404, get(base + "dev/screenshots/" + UUID.randomUUID(), "Bearer " + TOKEN, null).statusCode());
    assertEquals(404, get(base + "dev/screenshots/..%2Fdev%2F" + kept.getFileName(), "Bearer " + TOKEN, null).statusCode());
  }

  // ---------------------------------------------------------------- helpers

  private HttpResponse<byte[]> get(String url, String authorization, String origin) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (origin != null) {
      b.header("Origin", origin);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Events of the last 20 minutes before T, with explicit timestamps, and two the module rejects. */
  private void sendHistory() throws Exception {
    long t = t0.toEpochMilli();
    long min = 60_000;
    // The editor, T−20 to T−14 min: typing every 10 s until T−15, the mouse moving; active until T−14 (idle after 60 s).
    focus("editor", t - 20 * min);
    for (int i = 0; i <= 30; i++) {
      record(BridgesIT.event(session, 0, t - 20 * min + i * 10_000L));
    }
    for (int i = 0; i < 10; i++) {
      record(BridgesIT.event(session, 1, t - 19 * min + i * 20_000L));
    }
    // The browser, T−14 to T−11 min: a click every 15 s until T−12.
    focus("browser", t - 14 * min);
    for (int i = 0; i <= 8; i++) {
      record(BridgesIT.event(session, 2, t - 14 * min + i * 15_000L));
    }
    record(BridgesIT.event(session, 5, t - 13 * min));
    record(BridgesIT.event(session, 5, t - 13 * min + 1));
    for (int i = 0; i < 4; i++) {
      record(BridgesIT.event(session, 6, t - 13 * min + i * 5_000L));
    }
    for (int i = 0; i < 2; i++) {
      Path png = dir.resolve("shot-" + i + ".png");
      PngFactory.writeScreenshot(png, 300_000, 40 + i);
      JsonObject e = BridgesIT.event(session, 4, t - 12 * min + i * 30_000L);
      e.getJsonObject("data").put("app_name", "browser").put("window_title", "Docs " + (i + 1)).put("privacy_masked", false)
        .put("image", Base64.getEncoder().encodeToString(Files.readAllBytes(png)));
      record(e);
    }
    // A terminal, T−4 to T−2 min: to be forgotten.
    focus("terminal", t - 4 * min);
    for (int i = 0; i <= 12; i++) {
      record(BridgesIT.event(session, 0, t - 4 * min + i * 10_000L));
    }
    for (int i = 0; i < 3; i++) {
      record(BridgesIT.event(session, 6, t - 3 * min + i * 10_000L));
    }
    for (int i = 0; i < 2; i++) {
      JsonObject bad = BridgesIT.event(session, 0, t);
      bad.put("timestamp", "yesterday");
      bridge.publish(Addresses.RAW_EVENT, bad);
    }
    ack();
  }

  /** 20 keystrokes and 50 mouse moves a second for 8 s, stamped as they are sent, in 100 ms ticks. */
  private void sendLive() {
    long start = System.nanoTime();
    try {
      for (int tick = 0; tick < 80; tick++) {
        long due = start + tick * 100_000_000L;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        long now = System.currentTimeMillis();
        for (int i = 0; i < 2; i++) {
          record(BridgesIT.event(session, 0, now));
        }
        for (int i = 0; i < 5; i++) {
          record(BridgesIT.event(session, 1, now));
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void focus(String app, long ts) throws Exception {
    JsonObject e = BridgesIT.event(session, 3, ts);
    e.getJsonObject("data").put("app_name", app).put("window_title", app + " window");
    record(e);
  }

  private synchronized void record(JsonObject e) throws Exception {
    stored.put(e.getString("id"), new Sent(e.getString("event_type"), Instant.parse(e.getString("timestamp")).toEpochMilli()));
    bridge.publish(Addresses.RAW_EVENT, e);
  }

  /** One resource event sent as a request: once acknowledged, everything sent before it is committed. */
  private void ack() throws Exception {
    JsonObject marker = BridgesIT.event(session, 6, System.currentTimeMillis());
    synchronized (this) {
      stored.put(marker.getString("id"), new Sent("resource", Instant.parse(marker.getString("timestamp")).toEpochMilli()));
    }
    JsonObject reply = bridge.request(Addresses.RAW_EVENT, marker, "ack-" + UUID.randomUUID());
    assertEquals(true, reply.getJsonObject("body").getBoolean("committed"), reply.encode());
  }

  private synchronized Map<String, Long> countBy(java.util.function.Predicate<Sent> which) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String type : TYPES) {
      counts.put(type, stored.values().stream().filter(e -> e.type().equals(type) && which.test(e)).count());
    }
    return counts;
  }

  /** Waits until the table's rows (by data-type) show these counts in the given column. */
  private void awaitColumn(String table, String column, Map<String, Long> expected) throws Exception {
    String wanted = new JsonObject(expected.entrySet().stream()
      .collect(Collectors.toMap(Map.Entry::getKey, e -> String.format(Locale.US, "%,d", e.getValue())))).encode();
    String shown = "Object.fromEntries([...document.querySelectorAll('" + table + " tbody tr[data-type]')]"
      + ".map(r => [r.dataset.type, r.querySelector('" + column + "').textContent]))";
    try {
      browser.waitFor("JSON.stringify(" + shown + ") === JSON.stringify(Object.fromEntries(Object.entries(" + wanted
        + ").sort((a, b) => " + order() + ".indexOf(a[0]) - " + order() + ".indexOf(b[0]))))", WAIT);
    } catch (AssertionError e) {
      throw new AssertionError(table + " " + column + ": expected " + wanted + ", shown " + browser.eval(shown)
        + pageStatus(), e);
    }
  }

  private static String order() {
    return new JsonArray(List.of((Object[]) TYPES)).encode();
  }

  private void awaitText(String selector, String text) throws Exception {
    try {
      browser.waitFor("document.querySelector(" + PageDriver.quote(selector) + ")?.textContent === " + PageDriver.quote(text), WAIT);
    } catch (AssertionError e) {
      throw new AssertionError(selector + ": expected " + text + ", shown " + browser.text(selector) + pageStatus(), e);
    }
  }

  /** Waits for a condition in the page; a failure says what the page's status lines said. */
  private void awaitPage(String condition) throws Exception {
    try {
      browser.waitFor(condition, WAIT);
    } catch (AssertionError e) {
      throw new AssertionError(condition + pageStatus(), e);
    }
  }

  private String pageStatus() throws Exception {
    return "\ncontrol status: " + browser.text("#control-status") + "\nerrors: " + browser.text("#errors")
      + "\n" + browser.text("#updated") + " (now " + java.time.LocalTime.now(zone) + ")"
      + "\nconsole: " + browser.messages() + "\nwaiting: " + browser.pending();
  }

  private Scrape scrape() throws Exception {
    return Scrape.of(httpPort, http);
  }

  /** "METHOD /path status" of each call to the module's interfaces (not the page's own files). */
  private List<String> calls(JsonArray requests) {
    return requests.stream().map(o -> (JsonObject) o)
      .filter(r -> r.getString("url").matches(".*/(graphql|metrics|health|dev/screenshots/.*)$"))
      .map(r -> r.getString("method") + " " + URI.create(r.getString("url")).getPath() + " " + r.getInteger("status"))
      .toList();
  }

  /** The ids of every event of the test's session the module holds, through GraphQL. */
  private Set<String> storedIds() throws Exception {
    Set<String> ids = new HashSet<>();
    String after = null;
    do {
      JsonObject page = graphql("query($f: DateTime!, $t: DateTime!, $a: String) { events(from: $f, to: $t, sessionId: \""
          + session + "\", first: 10000, after: $a) { events { id } nextCursor } }",
        new JsonObject().put("f", t0.minusSeconds(3600).toString()).put("t", Instant.now().plusSeconds(60).toString())
          .put("a", after)).getJsonObject("events");
      page.getJsonArray("events").forEach(e -> ids.add(((JsonObject) e).getString("id")));
      after = page.getString("nextCursor");
    } while (after != null);
    return ids;
  }

  private JsonObject graphql(String query, JsonObject variables) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "graphql"))
      .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("query", query).put("variables", variables).encode()))
      .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals(null, body.getValue("errors"), body.encode());
    return body.getJsonObject("data");
  }

  private static Path target(String name) throws Exception {
    return Files.createDirectories(Path.of("target", "inspector").toAbsolutePath()).resolve(name);
  }
}
