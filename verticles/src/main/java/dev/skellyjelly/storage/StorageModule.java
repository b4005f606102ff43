package dev.skellyjelly.storage;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.impl.BatcherVerticle;
import dev.skellyjelly.storage.impl.CaptureVerticle;
import dev.skellyjelly.storage.impl.DbWriterVerticle;
import dev.skellyjelly.storage.impl.InternalCodecs;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import dev.skellyjelly.storage.impl.ModuleContext;
import dev.skellyjelly.storage.impl.ReceiverVerticle;
import dev.skellyjelly.storage.impl.ScreenshotStoreVerticle;
import dev.skellyjelly.storage.impl.ShutdownSequence;
import dev.skellyjelly.storage.query.QueryVerticle;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The storage module as one verticle: registers the codecs if nobody did, deploys the DB writer, the
 * capture control, the screenshot store, the batcher, the receiver and the query side (in that order), and
 * undeploys them in reverse so a stop drains: input refused, accepted events committed, open windows emitted, screenshots deleted. Its
 * configuration is the JSON form of {@link StorageConfig}; any Vert.x host can deploy it.
 */
public final class StorageModule extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageModule.class);

  private final InstantSource clock;
  private final MeterRegistry givenRegistry;
  private StorageConfig config;
  private StorageMetrics metrics;
  private volatile ReceiverVerticle receiver;
  private final List<String> deployments = new ArrayList<>();

  /** The module on the system clock, with Vert.x's metrics registry when there is one. */
  public StorageModule() {
    this(InstantSource.system(), null);
  }

  /**
   * @param clock    decides windows, grace, retention and future timestamps (tests inject their own)
   * @param registry where the meters go; null for Vert.x's Micrometer registry, or a private one
   */
  public StorageModule(InstantSource clock, MeterRegistry registry) {
    this.clock = clock;
    this.givenRegistry = registry;
  }

  @Override
  public Future<?> start() {
    config = StorageConfig.fromJson(config());
    Codecs.ensureRegistered(vertx);
    InternalCodecs.ensureRegistered(vertx);
    MeterRegistry registry = givenRegistry != null ? givenRegistry : BackendRegistries.getDefaultNow();
    metrics = new StorageMetrics(registry != null ? registry : new SimpleMeterRegistry());
    ModuleContext ctx = new ModuleContext(clock, metrics,
      new ShutdownSequence(config.shutdownTimeoutMs(), metrics::uncommitted));
    JsonObject conf = config.toJson();
    DeploymentOptions worker = new DeploymentOptions().setConfig(conf).setThreadingModel(ThreadingModel.WORKER)
      .setWorkerPoolName("skelly-storage-db").setWorkerPoolSize(1);
    DeploymentOptions eventLoop = new DeploymentOptions().setConfig(conf);
    return deploy(new DbWriterVerticle(ctx), worker)
      .compose(v -> deploy(new CaptureVerticle(ctx), eventLoop))
      .compose(v -> deploy(new ScreenshotStoreVerticle(ctx), eventLoop))
      .compose(v -> deploy(new BatcherVerticle(ctx), eventLoop))
      .compose(v -> deploy(receiver = new ReceiverVerticle(ctx), eventLoop))
      .compose(v -> deploy(new QueryVerticle(clock, metrics), eventLoop))
      .compose(v -> vertx.eventBus().consumer(Addresses.METRICS, msg -> msg.reply(metrics.snapshot())).completion())
      .onSuccess(v -> LOG.info("storage module started on {}", config.databasePath()))
      .recover(err -> undeployAll().transform(ignored -> Future.failedFuture(err)));
  }

  private Future<Void> deploy(VerticleBase verticle, DeploymentOptions options) {
    return vertx.deployVerticle(verticle, options).map(id -> {
      deployments.add(id);
      return null;
    });
  }

  /**
   * Vert.x undeploys the children first, all at once; the {@link ShutdownSequence} they share makes them
   * drain in reverse order of deployment. When this runs, the drain is over: everything accepted was
   * committed and every open window emitted, or a child failed the undeploy with
   * {@link ShutdownTimeoutException} after {@code shutdown_timeout_ms}.
   */
  @Override
  public Future<?> stop() {
    deployments.clear();
    LOG.info("storage module stopped: {}", metrics.summary().encode());
    return Future.succeededFuture();
  }

  private Future<Void> undeployAll() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id)).onSuccess(v -> deployments.remove(id));
    }
    return chain;
  }

  /**
   * Where this node's bridges hand the fire-and-forget raw events of one read, as one group, from any thread: to
   * the receiver directly, not over the bus.
   */
  public Handler<RawEventGroup> rawEventInlet() {
    ReceiverVerticle r = receiver;
    if (r == null) {
      throw new IllegalStateException("the module is not started");
    }
    return r::take;
  }

  /** The module's meters; the run summary and the metrics address read them. */
  public StorageMetrics metrics() {
    return metrics;
  }

  public StorageConfig storageConfig() {
    return config;
  }
}
