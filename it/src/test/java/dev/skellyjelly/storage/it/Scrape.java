package dev.skellyjelly.storage.it;

import org.awaitility.Awaitility;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One {@code GET /metrics} of the module: every series ({@code name} or {@code name{labels}}) with its value. */
record Scrape(Map<String, Double> series) {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static Scrape of(int port) throws Exception {
    return of(port, HTTP);
  }

  /** As {@link #of(int)}, through the given client. */
  static Scrape of(int port, HttpClient client) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
      .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    Map<String, Double> out = new HashMap<>();
    for (String line : r.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      out.put(line.substring(0, space).replace(",}", "}"), Double.parseDouble(line.substring(space + 1)));
    }
    return new Scrape(out);
  }

  /** Polls /metrics until {@code ready}; fails with the last scrape after the timeout. */
  static Scrape await(int port, Predicate<Scrape> ready, Duration timeout) {
    return Awaitility.await("/metrics settling").atMost(timeout).pollInterval(Duration.ofMillis(50))
      .until(() -> of(port), ready);
  }

  /** The series' value; fails, naming the series, when it is missing. */
  double get(String name) {
    Double v = series.get(name);
    if (v == null) {
      throw new AssertionError("no series " + name + " in /metrics");
    }
    return v;
  }

  /** The sum over every series of {@code name}, whatever its labels. */
  double sum(String name) {
    return series.entrySet().stream().filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
      .mapToDouble(Map.Entry::getValue).sum();
  }

  boolean has(String name) {
    return series.keySet().stream().anyMatch(k -> k.equals(name) || k.startsWith(name + "{"));
  }

  /** The series of {@code name} that carry only {@code label}, by that label's value. */
  Map<String, Double> byLabel(String name, String label) {
    Pattern one = Pattern.compile(Pattern.quote(name + "{" + label + "=\"") + "([^\"]*)\"}");
    Map<String, Double> out = new HashMap<>();
    series.forEach((key, value) -> {
      Matcher m = one.matcher(key);
      if (m.matches()) {
        out.put(m.group(1), value);
      }
    });
    return out;
  }

  @Override
  public String toString() {
    return new java.util.TreeMap<>(series).entrySet().stream().filter(e -> e.getKey().startsWith("skelly_"))
      .map(Object::toString).collect(java.util.stream.Collectors.joining("\n"));
  }
}
