package dev.skellyjelly.storage;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.awaitility.Awaitility.await;

/**
 * Simulated days for the retention tests: each day's events are sent with {@code request} at 10:00 UTC of that
 * day on the test's clock, then the clock moves past their windows' close and the test waits until every event
 * sent so far is batched (and its batch recorded), as a day of capture would leave the database.
 */
final class RetentionDays {

  static final long DAY_MS = 86_400_000L;
  static final String SESSION = "7e7e7e7e-0000-4000-8000-00000000000a";

  private final Vertx vertx;
  private final TestSupport.ManualClock clock;
  private final Random random = new Random(14);
  /** Ids sent, per day index. */
  final List<Set<String>> ids = new ArrayList<>();
  /** Every event sent, in the order sent (their timestamps ascend). */
  final List<RawEvent> all = new ArrayList<>();
  long sent;

  RetentionDays(Vertx vertx, TestSupport.ManualClock clock) {
    this.vertx = vertx;
    this.clock = clock;
  }

  /** 10:00 UTC of day {@code d} after {@code day0}. */
  static long at(long day0, int d) {
    return day0 + d * DAY_MS + 10 * 3_600_000L;
  }

  /**
   * Sends one day: {@code n} events spread over two minutes (keystrokes, mouse moves, and every tenth a window
   * focus titled {@code title}, or {@code padding} random letters after it), and one masked screenshot titled
   * {@code title}.
   */
  void day(StorageModule module, Path db, long day0, int d, int n, String title, int padding) {
    long t = at(day0, d);
    clock.set(t + 120_000);
    Set<String> dayIds = new HashSet<>();
    List<Future<Message<Object>>> acks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      EventData data;
      if (i % 10 == 0) {
        data = new WindowFocus(title + letters(padding), i % 20 == 0 ? "Editor" : "Browser", 42, null);
      } else if (i % 2 == 0) {
        data = new Keystroke(30 + i % 20, new Keystroke.Modifiers(false, false, false, false), 80L + i % 50);
      } else {
        data = new MouseMove(i, 2 * i, 1.5);
      }
      send(acks, dayIds, new RawEvent(UUID.randomUUID().toString(), SESSION, t + i * (120_000L / n), data));
    }
    send(acks, dayIds, new RawEvent(UUID.randomUUID().toString(), SESSION, t + 60_001, new Screenshot(
      UUID.randomUUID().toString(), ImageFormat.PNG, null, title, "Browser", new Screenshot.Region(0, 0, 10, 10), true)));
    Future.all(acks).await();
    ids.add(dayIds);
    sent += dayIds.size();
    // Close the day's windows; wait until all its events went out in batches and the batches are recorded.
    clock.set(t + 240_000);
    await("day " + d + " batched").atMost(Duration.ofSeconds(30))
      .until(() -> module.metrics().eventsBatched() >= sent);
    long windows = 4;
    await("day " + d + " batches recorded").atMost(Duration.ofSeconds(30)).until(() ->
      TestSupport.scalar(db, "SELECT count(DISTINCT window_start_ms) FROM batches WHERE window_start_ms >= " + t) >= windows);
  }

  private void send(List<Future<Message<Object>>> acks, Set<String> dayIds, RawEvent e) {
    dayIds.add(e.id());
    all.add(e);
    acks.add(vertx.eventBus().request(Addresses.RAW_EVENT, e));
  }

  private String letters(int n) {
    StringBuilder s = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      s.append((char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }
}
