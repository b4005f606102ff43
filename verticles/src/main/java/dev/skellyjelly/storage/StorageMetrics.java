package dev.skellyjelly.storage;

import dev.skellyjelly.storage.codecs.DeadLetterReason;
import dev.skellyjelly.storage.codecs.EventType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The module's meters (CONTRACT §7), named so the Prometheus registry renders them as
 * {@code skelly_storage_*}. One instance per module, shared by its verticles.
 */
public final class StorageMetrics {

  public static final String PREFIX = "skelly.storage.";

  /** Stages with a bounded queue, for {@code queue_depth{stage}}. */
  public static final String[] STAGES = {"receiver", "writer", "batcher", "screenshots"};

  /** Why a screenshot was deleted (CONTRACT §4 deleted_reason). */
  public static final String[] DELETION_REASONS = {"analysis-complete", "retention", "shutdown", "startup-sweep",
    "duplicate", "deletion"};
  /**
   * Why an input was refused: overload, shutting down, screenshot not storable, bridge frame too large or malformed;
   * or dropped on purpose: capture paused, app or title excluded (CONTRACT §8).
   */
  public static final String[] DROP_REASONS = {"overload", "shutdown", "screenshot_store", "oversize", "malformed_frame",
    "paused", "excluded"};

  private final MeterRegistry registry;
  private final Counter[] received = new Counter[EventType.values().length];
  private final java.util.Map<String, Counter> queries = new java.util.concurrent.ConcurrentHashMap<>();
  private final Counter[] deadLetters = new Counter[DeadLetterReason.values().length];
  private final Map<String, Counter> deleted = new ConcurrentHashMap<>();
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private final Counter persisted;
  private final Counter duplicates;
  private final Counter batches;
  private final Counter eventsBatched;
  private final Counter screenshotsReceived;
  private final Timer batchCreation;
  private final Timer batchJson;
  private final Timer persistLatency;
  private final Timer dbWrite;
  private final Timer screenshotProcessing;
  private final DistributionSummary batchEvents;
  private final DistributionSummary dbWriteBatchSize;
  private final AtomicLong dbSizeBytes = new AtomicLong();
  private final AtomicLong screenshotsInMemory = new AtomicLong();
  private final AtomicLong screenshotsOnDisk = new AtomicLong();
  private final AtomicLong screenshotMemoryBytes = new AtomicLong();
  private final Map<String, AtomicLong> queueDepth = new ConcurrentHashMap<>();
  private final AtomicLong windowsOpen = new AtomicLong();
  private final AtomicLong batcherHeldEvents = new AtomicLong();
  private final AtomicLong batcherHeldBytes = new AtomicLong();
  private final Counter windowsSwept;
  private final Map<String, Long> queueBounds = new ConcurrentHashMap<>();
  private volatile String databaseError;
  private final RetentionMetrics retention;

  public StorageMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (EventType t : EventType.values()) {
      received[t.ordinal()] = Counter.builder(PREFIX + "events.received").tag("event_type", t.wireName())
        .description("valid events accepted").register(registry);
    }
    for (DeadLetterReason r : DeadLetterReason.values()) {
      deadLetters[r.ordinal()] = Counter.builder(PREFIX + "dead.letters").tag("reason", r.wireName())
        .description("inputs rejected, by reason").register(registry);
    }
    persisted = Counter.builder(PREFIX + "events.persisted").description("events committed").register(registry);
    duplicates = Counter.builder(PREFIX + "events.duplicate").description("re-sent ids acknowledged, not stored again").register(registry);
    batches = Counter.builder(PREFIX + "batches.emitted").description("batches emitted").register(registry);
    eventsBatched = Counter.builder(PREFIX + "events.batched").description("events carried in non-replayed batches").register(registry);
    screenshotsReceived = Counter.builder(PREFIX + "screenshots.received").description("screenshots accepted").register(registry);
    batchCreation = Timer.builder(PREFIX + "batch.creation").description("closing a window until its batch is published")
      .publishPercentiles(0.5, 0.99).register(registry);
    batchJson = Timer.builder(PREFIX + "batch.json").description("encoding a batch's JSON form")
      .publishPercentiles(0.5, 0.99).register(registry);
    persistLatency = Timer.builder(PREFIX + "event.persist.latency").description("received until committed").register(registry);
    dbWrite = Timer.builder(PREFIX + "db.write").description("one group commit").register(registry);
    screenshotProcessing = Timer.builder(PREFIX + "screenshot.processing").description("screenshot received until stored")
      .publishPercentiles(0.5, 0.99).register(registry);
    batchEvents = DistributionSummary.builder(PREFIX + "batch.events").description("events per emitted batch").register(registry);
    dbWriteBatchSize = DistributionSummary.builder(PREFIX + "db.write.batch.size").description("events per group commit").register(registry);
    Gauge.builder(PREFIX + "db.size", dbSizeBytes, AtomicLong::get).baseUnit("bytes").description("database file size").register(registry);
    Gauge.builder(PREFIX + "screenshots.in.memory", screenshotsInMemory, AtomicLong::get).description("screenshots held in memory").register(registry);
    Gauge.builder(PREFIX + "screenshots.on.disk", screenshotsOnDisk, AtomicLong::get).description("screenshots held in temp files").register(registry);
    Gauge.builder(PREFIX + "screenshot.memory", screenshotMemoryBytes, AtomicLong::get).baseUnit("bytes").description("screenshot bytes in memory").register(registry);
    Gauge.builder(PREFIX + "windows.open", windowsOpen, AtomicLong::get).description("event-time windows not yet emitted").register(registry);
    Gauge.builder(PREFIX + "batcher.held.events", batcherHeldEvents, AtomicLong::get)
      .description("committed events the batcher holds in memory for windows not yet emitted").register(registry);
    Gauge.builder(PREFIX + "batcher.held", batcherHeldBytes, AtomicLong::get).baseUnit("bytes")
      .description("memory the batcher's recorded windows and held events take, estimated").register(registry);
    windowsSwept = Counter.builder(PREFIX + "windows.swept")
      .description("windows emitted from the database because the batcher kept no record of them").register(registry);
    retention = new RetentionMetrics(registry);
    for (String reason : DELETION_REASONS) {
      screenshotDeletedCounter(reason);
    }
    for (String reason : DROP_REASONS) {
      droppedCounter(reason);
    }
    for (String stage : STAGES) {
      AtomicLong depth = new AtomicLong();
      queueDepth.put(stage, depth);
      Gauge.builder(PREFIX + "queue.depth", depth, AtomicLong::get).tag("stage", stage).description("items waiting in a stage").register(registry);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void received(EventType type) {
    received[type.ordinal()].increment();
  }

  public void deadLetter(DeadLetterReason reason) {
    deadLetters[reason.ordinal()].increment();
  }

  public void persisted(int n) {
    persisted.increment(n);
    dbWriteBatchSize.record(n);
  }

  public void duplicates(int n) {
    duplicates.increment(n);
  }

  public void batchEmitted(int events, boolean replayed) {
    batches.increment();
    batchEvents.record(events);
    if (!replayed) {
      eventsBatched.increment(events);
    }
  }

  public void screenshotReceived() {
    screenshotsReceived.increment();
  }

  public void screenshotDeleted(String reason) {
    screenshotDeletedCounter(reason).increment();
  }

  public void screenshotsDeleted(String reason, int n) {
    screenshotDeletedCounter(reason).increment(n);
  }

  private Counter screenshotDeletedCounter(String reason) {
    return deleted.computeIfAbsent(reason, r -> Counter.builder(PREFIX + "screenshots.deleted").tag("reason", r)
      .description("screenshots deleted, by reason").register(registry));
  }

  public void dropped(String reason, int n) {
    droppedCounter(reason).increment(n);
  }

  private Counter droppedCounter(String reason) {
    return dropped.computeIfAbsent(reason, r -> Counter.builder(PREFIX + "dropped").tag("reason", r)
      .description("inputs refused, by reason").register(registry));
  }

  /** One GraphQL query answered: {@code ok}, {@code error} (the response has errors) or {@code busy} (refused). */
  public void query(String outcome) {
    queries.computeIfAbsent(outcome, o -> Counter.builder(PREFIX + "queries").tag("outcome", o)
      .description("GraphQL queries answered, by outcome").register(registry)).increment();
  }

  public long queries(String outcome) {
    Counter c = queries.get(outcome);
    return c == null ? 0 : (long) c.count();
  }

  public Timer batchCreation() {
    return batchCreation;
  }

  public Timer batchJson() {
    return batchJson;
  }

  public Timer persistLatency() {
    return persistLatency;
  }

  public Timer dbWrite() {
    return dbWrite;
  }

  public Timer screenshotProcessing() {
    return screenshotProcessing;
  }

  public AtomicLong dbSizeBytes() {
    return dbSizeBytes;
  }

  public AtomicLong screenshotsInMemory() {
    return screenshotsInMemory;
  }

  public AtomicLong screenshotsOnDisk() {
    return screenshotsOnDisk;
  }

  public AtomicLong screenshotMemoryBytes() {
    return screenshotMemoryBytes;
  }

  /** Why the last commit failed, or null while the database takes writes. */
  public String databaseError() {
    return databaseError;
  }

  public void databaseError(String error) {
    databaseError = error;
  }

  /** Retention's meters and the disk budget's last measure. */
  public RetentionMetrics retention() {
    return retention;
  }

  /** The bound of a stage's queue: /health turns unhealthy at it. */
  public long queueBound(String stage) {
    return queueBounds.getOrDefault(stage, Long.MAX_VALUE);
  }

  public void queueBound(String stage, long bound) {
    queueBounds.put(stage, bound);
  }

  public AtomicLong windowsOpen() {
    return windowsOpen;
  }

  public AtomicLong batcherHeldEvents() {
    return batcherHeldEvents;
  }

  public AtomicLong batcherHeldBytes() {
    return batcherHeldBytes;
  }

  public void windowSwept() {
    windowsSwept.increment();
  }

  public long windowsSwept() {
    return (long) windowsSwept.count();
  }

  public AtomicLong queueDepth(String stage) {
    return queueDepth.get(stage);
  }

  public long eventsReceived() {
    double sum = 0;
    for (Counter c : received) {
      sum += c.count();
    }
    return (long) sum;
  }

  public long eventsPersisted() {
    return (long) persisted.count();
  }

  public long eventsDuplicate() {
    return (long) duplicates.count();
  }

  public long eventsBatched() {
    return (long) eventsBatched.count();
  }

  public long batchesEmitted() {
    return (long) batches.count();
  }

  public long screenshotsReceived() {
    return (long) screenshotsReceived.count();
  }

  public long screenshotsDeleted() {
    return (long) deleted.values().stream().mapToDouble(Counter::count).sum();
  }

  public long deadLetters() {
    double sum = 0;
    for (Counter c : deadLetters) {
      sum += c.count();
    }
    return (long) sum;
  }

  public long deadLetters(DeadLetterReason reason) {
    return (long) deadLetters[reason.ordinal()].count();
  }

  /** Inputs dropped for {@code reason}. */
  public long dropped(String reason) {
    return (long) droppedCounter(reason).count();
  }

  public long dropped() {
    return (long) dropped.values().stream().mapToDouble(Counter::count).sum();
  }

  /** Accepted events neither committed nor found to be re-sent: what a crash now would lose. */
  public long uncommitted() {
    return eventsReceived() - eventsPersisted() - eventsDuplicate();
  }

  /**
   * A JSON snapshot of the module's meters, keyed by their Prometheus names without the prefix: a plain
   * number for an untagged counter or gauge, an object by tag value for tagged ones, and count / sum / max
   * for timers and summaries.
   */
  public JsonObject snapshot() {
    JsonObject out = new JsonObject();
    for (Meter meter : registry.getMeters()) {
      Meter.Id id = meter.getId();
      if (!id.getName().startsWith(PREFIX)) {
        continue;
      }
      String name = id.getName().substring(PREFIX.length()).replace('.', '_');
      Object value;
      if (meter instanceof Counter c) {
        name += "_total";
        value = (long) c.count();
      } else if (meter instanceof Gauge g) {
        name += id.getBaseUnit() != null ? "_" + id.getBaseUnit() : "";
        value = (long) g.value();
      } else if (meter instanceof Timer t) {
        name += "_seconds";
        value = new JsonObject().put("count", t.count()).put("sum", t.totalTime(TimeUnit.SECONDS))
          .put("max", t.max(TimeUnit.SECONDS));
      } else if (meter instanceof DistributionSummary d) {
        value = new JsonObject().put("count", d.count()).put("sum", d.totalAmount()).put("max", d.max());
      } else {
        continue;
      }
      if (id.getTags().isEmpty()) {
        out.put(name, value);
      } else {
        JsonObject byTag = out.getJsonObject(name);
        if (byTag == null) {
          byTag = new JsonObject();
          out.put(name, byTag);
        }
        byTag.put(id.getTags().get(0).getValue(), value);
      }
    }
    return out;
  }

  /** The run summary of CONTRACT §6 (plus {@code duplicates}). */
  public JsonObject summary() {
    return new JsonObject()
      .put("events_received", eventsReceived())
      .put("events_persisted", eventsPersisted())
      .put("events_batched", eventsBatched())
      .put("batches_emitted", batchesEmitted())
      .put("screenshots_received", screenshotsReceived())
      .put("screenshots_deleted", screenshotsDeleted())
      .put("dead_letters", deadLetters())
      .put("dropped", dropped())
      .put("duplicates", eventsDuplicate());
  }
}
