package dev.skellyjelly.storage.it;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Another Skelly-Jelly JVM module, as {@link ClusterIT} starts it: plain Vert.x + Hazelcast + the codecs jar,
 * nothing of the storage module's own code. It reads the cluster's secrets where the module keeps them (the
 * name in {@code cluster.name}, the members' key pair in {@code cluster.p12}, both beside the database, as
 * docs/connecting.md tells a module to), joins the module's cluster with two nodes, listens to both batch
 * addresses, measures the raw clustered send rate between its two nodes, sends {@code N} typed and {@code N}
 * JSON events to the module at once (fire-and-forget, every {@link #MARKER_EVERY}-th as a request acknowledged
 * after commit, for flow control), waits until the module says it batched all of them and every batch it
 * emitted arrived, measures the raw rate again, and prints one JSON line on stdout with what it saw. Logs go
 * to stderr.
 *
 * <p>Arguments: the module's database directory, module's Hazelcast port, own first Hazelcast port, N.
 */
public final class ClusterClient {

  static final String BASELINE = "skelly-it.baseline";
  /** Files beside the module's database (docs/connecting.md). */
  static final String NAME_FILE = "cluster.name";
  static final String KEYSTORE_FILE = "cluster.p12";
  static final String KEYSTORE_PASSWORD = "skelly-cluster";
  /** Events measured on the raw clustered bus. */
  static final int BASELINE_N = 100_000;
  /** One event in this many is sent as a request, the others fire-and-forget. */
  static final int MARKER_EVERY = 500;
  /**
   * Unanswered requests per stream, at most: MARKER_EVERY × this events on their way per stream (15 000; both
   * streams 30 000, within the module's 50 000 accepted but uncommitted events), so a garbage collection
   * pause at the module does not stall the producers.
   */
  static final int MARKERS_IN_FLIGHT = 30;
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
    .withZone(ZoneOffset.UTC);

  private final EventBus bus;
  private final Vertx vertx;
  private final String session = UUID.randomUUID().toString();
  /** Every id sent to the module, with what it was sent as (typed RawEvent or JSON). */
  private final Map<String, Object> sent = new HashMap<>();
  private final Map<String, Integer> typedSeen = new HashMap<>();
  private final Map<String, Integer> jsonSeen = new HashMap<>();
  private int typedBatches;
  private int jsonBatches;
  private long typedUnknown;
  private long jsonUnknown;
  private long typedDifferent;
  private long jsonDifferent;
  private String firstDifference;

  private ClusterClient(Vertx vertx) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
  }

  public static void main(String[] args) throws Exception {
    Path storage = Path.of(args[0]);
    int modulePort = Integer.parseInt(args[1]);
    int ownPort = Integer.parseInt(args[2]);
    int n = Integer.parseInt(args[3]);
    long t0 = System.nanoTime();
    Vertx vertx = await(clustered(storage, modulePort, ownPort, 2).onSuccess(Codecs::ensureRegistered));
    Vertx second = await(clustered(storage, modulePort, ownPort + 10, 2).onSuccess(Codecs::ensureRegistered));
    long joinedMs = (System.nanoTime() - t0) / 1_000_000;
    log("joined the cluster (two nodes) in " + joinedMs + " ms");
    JsonObject result = new JsonObject().put("join_ms", joinedMs);
    try {
      ClusterClient client = new ClusterClient(vertx);
      await(client.run(second, n, result));
    } finally {
      await(second.close());
      await(vertx.close());
    }
    System.out.println(result.encode());
    System.out.flush();
    System.exit(0);
  }

  /**
   * A clustered Vert.x as any JVM module would configure it (docs/connecting.md): the cluster's name and key
   * pair read from the module's database directory, loopback only, TCP-IP join to the module; no codecs
   * registered (BadInputIT's wire client registers one of its own under the same name).
   */
  static Future<Vertx> clustered(Path storage, int modulePort, int ownPort, int eventLoops) throws IOException {
    String name = Files.readString(storage.resolve(NAME_FILE), StandardCharsets.UTF_8).strip();
    return clustered(name, storage.resolve(KEYSTORE_FILE), modulePort, ownPort, eventLoops);
  }

  /** As {@link #clustered(Path, int, int, int)}, with a name and a keystore of the caller's choice. */
  static Future<Vertx> clustered(String clusterName, Path keystore, int modulePort, int ownPort, int eventLoops) {
    Config hz = new Config().setClusterName(clusterName);
    hz.setProperty("hazelcast.logging.details.enabled", "false");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig net = hz.getNetworkConfig().setPort(ownPort).setPortAutoIncrement(true);
    net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + modulePort);
    hz.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
      .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    hz.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    hz.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(eventLoops);
    // The event bus between members is mutual TLS with the install's one key pair, which is also the only trust.
    PfxOptions pfx = new PfxOptions().setPath(keystore.toString()).setPassword(KEYSTORE_PASSWORD);
    options.getEventBusOptions().setHost("127.0.0.1").setPort(0)
      .setSsl(true).setClientAuth(ClientAuth.REQUIRED).setKeyCertOptions(pfx).setTrustOptions(pfx);
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hz)).buildClustered();
  }

  private Future<Void> run(Vertx second, int n, JsonObject result) {
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> {
      Future<Void> typed = bus.<EventBatch>consumer(Addresses.EVENT_BATCH, this::onTypedBatch).completion();
      Future<Void> json = bus.<JsonObject>consumer(Addresses.EVENT_BATCH_JSON, this::onJsonBatch).completion();
      // Answers the requests among the baseline's events, as the module answers its markers.
      Future<Void> echo = second.eventBus().<RawEvent>consumer(BASELINE, msg -> {
        if (msg.replyAddress() != null) {
          msg.reply(new JsonObject().put("id", msg.body().id()).put("committed", true));
        }
      }).completion();
      Future.all(typed, json, echo)
        .compose(x -> moduleReady(System.currentTimeMillis() + 60_000))
        .compose(x -> baseline(BASELINE_N / 4))
        .compose(warmup -> baseline(BASELINE_N))
        .compose(base -> {
          result.put("baseline_rate", base);
          return rawNode(BASELINE_N / 4).compose(warmup -> rawNode(BASELINE_N));
        })
        .compose(raw -> {
          result.put("raw_node_rate", raw);
          // Both kinds of producer at once, as several modules would send.
          Pump typedPump = new Pump(Addresses.RAW_EVENT, n, this::typedEvent, true);
          Pump jsonPump = new Pump(Addresses.RAW_EVENT, n, this::jsonEvent, true);
          return Future.all(typedPump.run(), jsonPump.run()).map(all -> {
            for (Pump p : new Pump[]{typedPump, jsonPump}) {
              String k = p == typedPump ? "typed" : "json";
              result.put(k + "_rate", p.rate()).put(k + "_sent", p.next).put(k + "_markers", p.markers)
                .put(k + "_markers_acked", p.acked).put(k + "_duplicate_acks", p.duplicates)
                .put(k + "_retries", p.retries).put(k + "_rejected", p.rejected);
              log(k + " ingest: " + p.describe());
            }
            long elapsed = Math.max(typedPump.finished, jsonPump.finished) - Math.min(typedPump.started, jsonPump.started);
            result.put("ingest_rate", Math.round(2.0 * n / (elapsed / 1e9)));
            return all;
          });
        })
        .compose(x -> allBatched(2L * n, System.currentTimeMillis() + 90_000))
        .compose(module -> baseline(BASELINE_N).map(after -> {
          result.put("baseline_after_rate", after);
          return module;
        }))
        .compose(module -> rawNode(BASELINE_N).map(after -> {
          result.put("raw_node_after_rate", after);
          return module;
        }))
        .onComplete(ar -> {
          result.put("sent", sent.size())
            .put("typed_batches", typedBatches).put("json_batches", jsonBatches)
            .put("typed_distinct", typedSeen.size()).put("json_distinct", jsonSeen.size())
            .put("typed_repeated", typedSeen.values().stream().filter(c -> c > 1).count())
            .put("json_repeated", jsonSeen.values().stream().filter(c -> c > 1).count())
            .put("typed_missing", sent.keySet().stream().filter(id -> !typedSeen.containsKey(id)).count())
            .put("json_missing", sent.keySet().stream().filter(id -> !jsonSeen.containsKey(id)).count())
            .put("typed_unknown", typedUnknown).put("json_unknown", jsonUnknown)
            .put("typed_different", typedDifferent).put("json_different", jsonDifferent)
            .put("first_difference", firstDifference);
          if (ar.succeeded()) {
            result.put("module", ar.result());
          } else {
            result.put("error", String.valueOf(ar.cause()));
          }
          done.complete();
        });
    });
    return done.future();
  }

  /** The raw clustered bus, shaped like the ingest: two streams at once, same markers and window; events/s. */
  private Future<Long> baseline(int n) {
    return rate("baseline", new Pump(BASELINE, n / 2, this::typedEvent, false),
      new Pump(BASELINE, n / 2, this::typedEvent, false));
  }

  /**
   * The raw clustered bus into another JVM under the module's flags ({@link RawNode}), shaped like the ingest:
   * a typed and a JSON stream at once, same markers; events/s.
   */
  private Future<Long> rawNode(int n) {
    return rate("raw node", new Pump(RawNode.ADDRESS, n / 2, this::typedEvent, false),
      new Pump(RawNode.ADDRESS, n / 2, this::jsonEvent, false));
  }

  /** Runs two pumps at once; the events of both per second, from the first start to the last finish. */
  private Future<Long> rate(String label, Pump a, Pump b) {
    return Future.all(a.run(), b.run()).map(all -> {
      long elapsed = Math.max(a.finished, b.finished) - Math.min(a.started, b.started);
      long rate = Math.round((a.n + b.n) / (elapsed / 1e9));
      log(label + ": " + (a.n + b.n) + " events at " + rate + "/s");
      return rate;
    });
  }

  // ---------------------------------------------------------------- events

  private int counter;

  /** One of six kinds (screenshots travel in BridgesIT), typed, timestamped now. */
  private Object typedEvent(int i) {
    String id = UUID.randomUUID().toString();
    long now = System.currentTimeMillis();
    RawEvent e = new RawEvent(id, session, now, switch (i % 6) {
      case 0 -> new Keystroke(30 + i % 50, new Keystroke.Modifiers(i % 2 == 0, false, i % 3 == 0, false), i % 5 == 0 ? null : (long) (i % 400));
      case 1 -> new MouseMove(i % 1920, i % 1080, (i % 1000) / 4.0);
      case 2 -> new MouseClick(i % 1920, i % 1080, MouseClick.Button.LEFT, MouseClick.ClickType.DOUBLE);
      case 3 -> new WindowFocus("Editor — file " + i, "code", 4242, i % 7 == 0 ? null : 1000L + i);
      case 4 -> new ProcessEvent(1000 + i % 30000, "proc-" + (i % 17), ProcessEvent.Change.STARTED);
      default -> new ResourceUsage((i % 800) / 2.0, 2048 + i % 512, 1.5, 0.25);
    });
    return e;
  }

  /** The contract's JSON form, written by hand as a producer without the codecs jar would. */
  private Object jsonEvent(int i) {
    String id = UUID.randomUUID().toString();
    JsonObject e = new JsonObject().put("id", id).put("session_id", session)
      .put("timestamp", ISO.format(Instant.ofEpochMilli(System.currentTimeMillis())));
    String type;
    JsonObject data;
    switch (i % 3) {
      case 0 -> {
        type = "keystroke";
        data = new JsonObject().put("key_code", 65 + i % 26)
          .put("modifiers", new JsonObject().put("shift", true).put("ctrl", false).put("alt", false).put("meta", false))
          .put("inter_key_interval_ms", 120 + i % 80);
      }
      case 1 -> {
        type = "mouse_move";
        data = new JsonObject().put("x", i % 1920).put("y", i % 1080).put("velocity", 812.5);
      }
      default -> {
        type = "resource";
        data = new JsonObject().put("cpu_percent", 12.5).put("memory_mb", 3000 + i % 100)
          .put("disk_io_mb_per_sec", 0.5).put("network_io_mb_per_sec", 0.125);
      }
    }
    e.put("event_type", type);
    e.put("data", data);
    return e;
  }

  // ---------------------------------------------------------------- batches

  private void onTypedBatch(Message<EventBatch> msg) {
    typedBatches++;
    for (RawEvent e : msg.body().events()) {
      typedSeen.merge(e.id(), 1, Integer::sum);
      Object original = sent.get(e.id());
      if (original == null) {
        typedUnknown++;
      } else if (original instanceof RawEvent r && !r.equals(e)) {
        different(true, r.toString(), e.toString());
      }
    }
  }

  private void onJsonBatch(Message<JsonObject> msg) {
    jsonBatches++;
    JsonArray events = msg.body().getJsonArray("events");
    for (int i = 0; i < events.size(); i++) {
      JsonObject e = events.getJsonObject(i);
      String id = e.getString("id");
      jsonSeen.merge(id, 1, Integer::sum);
      Object original = sent.get(id);
      if (original == null) {
        jsonUnknown++;
      } else if (original instanceof JsonObject o && !(o.getValue("data").equals(e.getValue("data"))
        && o.getString("timestamp").equals(e.getString("timestamp")) && o.getString("event_type").equals(e.getString("event_type"))
        && session.equals(e.getString("session_id")))) {
        different(false, o.encode(), e.encode());
      }
    }
  }

  private void different(boolean typed, String sentAs, String received) {
    if (typed) {
      typedDifferent++;
    } else {
      jsonDifferent++;
    }
    if (firstDifference == null) {
      firstDifference = "sent " + sentAs + " received " + received;
    }
  }

  // ---------------------------------------------------------------- module

  private Future<JsonObject> metrics() {
    return bus.<JsonObject>request(Addresses.METRICS, new JsonObject(),
      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(2000)).map(Message::body);
  }

  /** The module's consumers are visible in the cluster once its metrics address answers. */
  private Future<Void> moduleReady(long deadline) {
    return metrics().<Void>mapEmpty().recover(err -> {
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture("the module never answered on " + Addresses.METRICS + ": " + err.getMessage());
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(200, t -> moduleReady(deadline).onComplete(later));
      return later.future();
    });
  }

  /**
   * Done when the module batched every event and every batch it emitted arrived here on both addresses: from
   * then on nothing more can come, so the counts above are final.
   */
  private Future<JsonObject> allBatched(long expected, long deadline) {
    return metrics().compose(m -> {
      long batched = m.getLong("events_batched_total", -1L);
      long emitted = m.getLong("batches_emitted_total", -1L);
      if (batched == expected && typedBatches == emitted && jsonBatches == emitted) {
        return Future.succeededFuture(new JsonObject().put("events_batched", batched).put("batches_emitted", emitted));
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture("timed out: module batched " + batched + " of " + expected + " events in " + emitted
          + " batches; here " + typedBatches + " typed and " + jsonBatches + " JSON batches");
      }
      Promise<JsonObject> later = Promise.promise();
      vertx.setTimer(200, t -> allBatched(expected, deadline).onComplete(later));
      return later.future();
    });
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends n events to one address, fire-and-forget, except every MARKER_EVERY-th and the last, which go as
   * requests: a marker's answer comes after the module committed it, and so everything sent before it on the
   * same connection. At most MARKERS_IN_FLIGHT markers are unanswered (the producer's own flow control); a
   * marker refused with 503 or timed out is re-sent.
   */
  private final class Pump {
    final String address;
    final int n;
    final IntFunction<Object> make;
    final boolean record;
    final Promise<Pump> done = Promise.promise();
    final int markers;
    int next;
    int inflight;
    boolean scheduled;
    int acked;
    int duplicates;
    int retries;
    int rejected;
    long started;
    long finished;

    Pump(String address, int n, IntFunction<Object> make, boolean record) {
      this.address = address;
      this.n = n;
      this.make = make;
      this.record = record;
      this.markers = (n + MARKER_EVERY - 1) / MARKER_EVERY;
    }

    Future<Pump> run() {
      started = System.nanoTime();
      pump();
      return done.future();
    }

    /**
     * Sends up to and including the next marker, then lets the event loop take answers and batches before the
     * next turn: one loop over the whole window would hold the event loop for seconds.
     */
    void pump() {
      scheduled = false;
      while (inflight < MARKERS_IN_FLIGHT && next < n) {
        int i = next++;
        Object body = make.apply(counter++);
        if (record) {
          sent.put(body instanceof RawEvent r ? r.id() : ((JsonObject) body).getString("id"), body);
        }
        if ((i + 1) % MARKER_EVERY == 0 || i == n - 1) {
          inflight++;
          request(body);
          schedule();
          return;
        }
        bus.send(address, body);
      }
    }

    void schedule() {
      if (!scheduled && inflight < MARKERS_IN_FLIGHT && next < n) {
        scheduled = true;
        vertx.runOnContext(v -> pump());
      }
    }

    void request(Object body) {
      bus.<JsonObject>request(address, body).onComplete(ar -> {
        if (ar.succeeded()) {
          acked++;
          if (ar.result().body().getBoolean("duplicate", false)) {
            duplicates++;
          }
        } else if (ar.cause() instanceof ReplyException re
          && (re.failureCode() == 503 || re.failureType() == ReplyFailure.TIMEOUT)) {
          retries++;
          vertx.setTimer(20, t -> request(body));
          return;
        } else {
          rejected++;
          log("rejected: " + ar.cause());
        }
        inflight--;
        if (acked + rejected == markers) {
          finished = System.nanoTime();
          done.complete(this);
        } else {
          schedule();
        }
      });
    }

    long rate() {
      return Math.round(n / ((finished - started) / 1e9));
    }

    String describe() {
      return n + " events to " + address + " in " + (finished - started) / 1_000_000 + " ms = " + rate() + "/s"
        + (retries > 0 ? " (" + retries + " markers re-sent)" : "");
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static void log(String line) {
    System.err.println("ClusterClient: " + line);
  }
}
