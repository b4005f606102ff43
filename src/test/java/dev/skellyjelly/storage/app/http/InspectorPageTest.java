package dev.skellyjelly.storage.app.http;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.net.BridgeToken;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inspector page's files as the HTTP server serves them, its address line, and {@code /dev/screenshots/{id}}. */
class InspectorPageTest {

  static final String TOKEN = "k".repeat(40);

  @TempDir
  Path dir;
  Vertx vertx;
  int port;
  final HttpClient http = HttpClient.newHttpClient();

  private void serve(boolean devMode) throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    StorageConfig config = StorageConfig.from(List.of(Map.of(ConfigKeys.HTTP_PORT, port,
      ConfigKeys.DATABASE_PATH, dir.resolve("db/events.db").toString(),
      ConfigKeys.SCREENSHOT_TEMP_DIR, dir.resolve("shots").toString(), ConfigKeys.DEV_MODE, devMode)), dir.toString());
    Router router = Router.router(vertx);
    router.get("/metrics").handler(ctx -> ctx.end("metrics"));
    DevScreenshots.mount(router, vertx, config, new ApiGuard(OriginPolicy.of(config, origin -> { }), BridgeToken.of(TOKEN)));
    InspectorPage.mount(router);
    HttpServer server = HttpEndpoints.start(vertx, config, router).await();
    assertEquals(port, server.actualPort());
  }

  @AfterEach
  void stop() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void thePageAndEveryFileItNamesComeFromTheJarUnderAPolicyThatAdmitsOnlyTheModulesOrigin() throws Exception {
    serve(false);
    HttpResponse<byte[]> page = get("/");
    assertEquals(200, page.statusCode());
    assertEquals("text/html;charset=UTF-8", page.headers().firstValue("content-type").orElse(""));
    assertEquals(InspectorPage.CONTENT_SECURITY_POLICY, page.headers().firstValue("content-security-policy").orElse(""));
    assertEquals("no-referrer", page.headers().firstValue("referrer-policy").orElse(""));
    String html = new String(page.body(), StandardCharsets.UTF_8);
    assertTrue(html.contains("<h1>Skelly-Jelly storage inspector</h1>"), html);

    // Every file the page and its scripts name is local, and served.
    List<String> names = new ArrayList<>(names(html, "(?:src|href)=\"([^\"#]+)\""));
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).endsWith(".js")) {
        for (String imported : names(new String(get("/" + names.get(i)).body(), StandardCharsets.UTF_8), "from '\\./([^']+)'")) {
          if (!names.contains(imported)) {
            names.add(imported);
          }
        }
      }
    }
    assertEquals(List.of("favicon.svg", "inspector.css", "inspector.js", "api.js", "view.js", "charts.js"), names);
    for (String name : names) {
      HttpResponse<byte[]> file = get("/" + name);
      assertEquals(200, file.statusCode(), name);
      assertEquals(InspectorPage.CONTENT_SECURITY_POLICY, file.headers().firstValue("content-security-policy").orElse(""));
      // The SVG namespace is a name, never fetched.
      String text = new String(file.body(), StandardCharsets.UTF_8).replace("http://www.w3.org/2000/svg", "");
      assertFalse(text.matches("(?s).*(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/.*"), name + " names no other host");
    }
  }

  @Test
  void nothingElseOfTheClasspathIsServedAndOtherRoutesStillAnswer() throws Exception {
    serve(false);
    for (String path : List.of("/nope.js", "/index.htm", "/webroot/index.html", "/META-INF/MANIFEST.MF", "/../pom.xml",
      "/%2e%2e/cluster.xml", "/cluster.xml", "/dev/")) {
      assertEquals(404, get(path).statusCode(), path);
    }
    assertEquals("metrics", new String(get("/metrics").body(), StandardCharsets.UTF_8));
  }

  @Test
  void theAddressCarriesTheTokenInItsFragmentAndReachesAnUnspecifiedHostThroughLoopback() {
    assertEquals("http://127.0.0.1:9400/#token=abc-_1", InspectorPage.address("127.0.0.1", 9400, "abc-_1"));
    assertEquals("http://127.0.0.1:9400/#token=a%2Bb%3D", InspectorPage.address("0.0.0.0", 9400, "a+b="));
    assertEquals("http://localhost:1/#token=t", InspectorPage.address("localhost", 1, "t"));
    assertEquals("http://[::1]:2/#token=t", InspectorPage.address("::1", 2, "t"));
  }

  @Test
  void aKeptDevScreenshotIsServedWithTheTokenFromTheModulesOriginOnly() throws Exception {
    serve(true);
    String id = UUID.randomUUID().toString();
    Path devDir = Files.createDirectories(dir.resolve("shots/dev"));
    byte[] bytes = "\u0089PNG\r\n\u001a\n pixels".getBytes(StandardCharsets.ISO_8859_1);
    Files.write(devDir.resolve(id + ".png"), bytes);
    String bearer = "Bearer " + TOKEN;

    HttpResponse<byte[]> ok = get("/dev/screenshots/" + id, "Authorization", bearer);
    assertEquals(200, ok.statusCode());
    assertEquals("image/png", ok.headers().firstValue("content-type").orElse(""));
    assertArrayEquals(bytes, ok.body());
    assertEquals(200, get("/dev/screenshots/" + id.toUpperCase(), "Authorization", bearer).statusCode());
    assertEquals(200, get("/dev/screenshots/" + id, "Authorization", bearer, "Origin", "http://localhost:" + port).statusCode());

    assertEquals(401, get("/dev/screenshots/" + id).statusCode());
    assertEquals(401, get("/dev/screenshots/" + id, "Authorization", bearer + "x").statusCode());
    assertEquals(401, get("/dev/screenshots/" + id, "Authorization", TOKEN).statusCode());
    assertEquals(403, get("/dev/screenshots/" + id, "Authorization", bearer, "Origin", "http://example.com").statusCode());
    assertEquals(404, get("/dev/screenshots/" + UUID.randomUUID(), "Authorization", bearer).statusCode());
    Files.writeString(devDir.resolve("notes.png"), "not a screenshot");
    assertEquals(404, get("/dev/screenshots/notes", "Authorization", bearer).statusCode());
    assertEquals(404, get("/dev/screenshots/..%2Fdev%2F" + id, "Authorization", bearer).statusCode());
  }

  @Test
  void withoutDevModeEveryIdIs404() throws Exception {
    serve(false);
    String id = UUID.randomUUID().toString();
    Files.write(Files.createDirectories(dir.resolve("shots/dev")).resolve(id + ".png"), new byte[]{1, 2, 3});
    assertEquals(404, get("/dev/screenshots/" + id, "Authorization", "Bearer " + TOKEN).statusCode());
    assertEquals(401, get("/dev/screenshots/" + id).statusCode(), "the token first, whatever the mode");
  }

  private static List<String> names(String text, String regex) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile(regex).matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
