package dev.skellyjelly.storage;

import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.impl.CaptureVerticle;
import dev.skellyjelly.storage.impl.DbWriterVerticle;
import dev.skellyjelly.storage.impl.InternalCodecs;
import dev.skellyjelly.storage.impl.ModuleContext;
import dev.skellyjelly.storage.impl.ShutdownSequence;
import dev.skellyjelly.storage.query.QueryVerticle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.time.InstantSource;

/**
 * The module without input or output, for the command line's verbs when no module holds the database: the DB
 * writer (which takes the database's lock, so no module starts meanwhile, and serves import and deletion), the
 * capture control (pause, resume) and the query side (which asks them). No receiver, so nothing new comes in; no
 * batcher, so no batch is emitted: in particular the start-up replay of windows a crash left un-emitted is the
 * batcher's, and waits for the next real run, which emits them then. No screenshot store: nothing is held.
 */
public final class FileModule extends VerticleBase {

  private final InstantSource clock;

  public FileModule(InstantSource clock) {
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    StorageConfig config = StorageConfig.fromJson(config());
    Codecs.ensureRegistered(vertx);
    InternalCodecs.ensureRegistered(vertx);
    StorageMetrics metrics = new StorageMetrics(new SimpleMeterRegistry());
    ShutdownSequence shutdown = new ShutdownSequence(config.shutdownTimeoutMs(), metrics::uncommitted);
    for (ShutdownSequence.Stage absent : new ShutdownSequence.Stage[]{ShutdownSequence.Stage.RECEIVER,
      ShutdownSequence.Stage.BATCHER, ShutdownSequence.Stage.SCREENSHOTS}) {
      shutdown.absent(absent);
    }
    ModuleContext ctx = new ModuleContext(clock, metrics, shutdown);
    JsonObject conf = config.toJson();
    DeploymentOptions worker = new DeploymentOptions().setConfig(conf).setThreadingModel(ThreadingModel.WORKER)
      .setWorkerPoolName("skelly-storage-db").setWorkerPoolSize(1);
    DeploymentOptions eventLoop = new DeploymentOptions().setConfig(conf);
    return vertx.deployVerticle(new DbWriterVerticle(ctx), worker)
      .compose(v -> vertx.deployVerticle(new CaptureVerticle(ctx), eventLoop))
      .compose(v -> vertx.deployVerticle(new QueryVerticle(clock, metrics), eventLoop));
  }
}
