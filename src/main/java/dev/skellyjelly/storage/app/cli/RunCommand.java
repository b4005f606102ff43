package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigException;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.app.ConfigLoader;
import dev.skellyjelly.storage.app.Durations;
import dev.skellyjelly.storage.app.sim.PngFactory;
import dev.skellyjelly.storage.app.sim.Simulator;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import dev.skellyjelly.storage.app.net.BridgeBudget;
import dev.skellyjelly.storage.app.net.BridgeDrops;
import dev.skellyjelly.storage.app.net.BridgePressure;
import dev.skellyjelly.storage.app.net.BridgeToken;
import dev.skellyjelly.storage.app.net.Cluster;
import dev.skellyjelly.storage.app.net.ReadRestTransport;
import dev.skellyjelly.storage.app.net.ClusterMembership;
import dev.skellyjelly.storage.app.net.EdgeJsonCodec;
import dev.skellyjelly.storage.app.net.OutputBudget;
import dev.skellyjelly.storage.app.net.SockJsBridge;
import dev.skellyjelly.storage.app.net.TcpBridge;
import io.vertx.ext.web.Router;
import dev.skellyjelly.storage.app.OldGenerationKeeper;
import dev.skellyjelly.storage.app.VertxSetup;
import dev.skellyjelly.storage.app.http.GraphQLRoute;
import dev.skellyjelly.storage.app.http.HistoryRoutes;
import dev.skellyjelly.storage.app.http.HttpEndpoints;
import dev.skellyjelly.storage.app.http.ApiGuard;
import dev.skellyjelly.storage.app.http.DevScreenshots;
import dev.skellyjelly.storage.app.http.InspectorPage;
import dev.skellyjelly.storage.app.http.OriginPolicy;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code run}: the module until SIGINT/SIGTERM or the duration ends, then a graceful stop and a summary. */
@Command(name = "run", mixinStandardHelpOptions = true,
  description = "Run the storage module; with --simulate, a realistic Data Capture in the same process.")
public final class RunCommand implements java.util.concurrent.Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Option(names = "--config", paramLabel = "FILE", description = "configuration file (TOML, section [storage])")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override one configuration key")
  List<String> sets = new ArrayList<>();

  @Option(names = "--cluster", description = "join the clustered event bus (Hazelcast)")
  boolean cluster;

  @Option(names = "--simulate", paramLabel = "EVENTS_PER_SEC", description = "publish simulated events at this total rate")
  Double simulate;

  @Option(names = "--duration", paramLabel = "DURATION", description = "stop after this long (500ms, 30s, 5m, 1h)")
  String duration;

  @Option(names = "--screenshot-every", paramLabel = "DURATION", description = "simulated screenshot interval (default 30s)")
  String screenshotEvery = "30s";

  @Override
  public Integer call() {
    StorageConfig cfg;
    long durationMs;
    long screenshotMs;
    try {
      durationMs = duration == null ? -1 : Durations.parseMs(duration);
      screenshotMs = Durations.parseMs(screenshotEvery);
      if (simulate != null && (simulate < 0 || simulate.isNaN() || simulate.isInfinite())) {
        throw new IllegalArgumentException("--simulate must be a rate ≥ 0, got " + simulate);
      }
      String home = System.getProperty("user.home");
      Path file = ConfigLoader.locate(config, Path.of("").toAbsolutePath(), home);
      cfg = ConfigLoader.load(file, System.getenv(), sets, home);
      LOG.info("configuration: {}", file == null ? "built-in defaults" : file);
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("skelly-storage: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    List<Path> pngs;
    try {
      pngs = simulate != null && (durationMs < 0 || screenshotMs <= durationMs) ? screenshots() : List.of();
    } catch (IOException e) {
      System.err.println("skelly-storage: cannot prepare simulated screenshots: " + e.getMessage());
      return Main.EXIT_FAILURE;
    }

    EdgeJsonCodec.admitStringsUpTo(cfg.bridgeMaxMessageBytes());
    Vertx vertx;
    if (cluster) {
      try {
        vertx = Cluster.clusteredVertx(VertxSetup.options(), cfg, ClusterMembership.resolve(cfg)).await();
      } catch (Exception e) {
        System.err.println("skelly-storage: cannot join the cluster: " + (e.getMessage() == null ? e : e.getMessage()));
        return Main.EXIT_FAILURE;
      }
    } else {
      vertx = ReadRestTransport.builder(VertxSetup.options()).build();
    }
    StorageModule module = new StorageModule(InstantSource.system(), VertxSetup.registry());
    OldGenerationKeeper keeper = OldGenerationKeeper.start(vertx);
    String moduleId;
    NetServer tcpBridge = null;
    Path endpoint = null;
    try {
      moduleId = vertx.deployVerticle(module, new DeploymentOptions().setConfig(cfg.toJson())).await();
      boolean sockJs = cfg.httpPort() > 0 && cfg.sockjsBridge();
      // The token guards /graphql as well as the bridges (CONTRACT §8).
      BridgeToken token = cfg.tcpBridgePort() > 0 || cfg.httpPort() > 0 ? BridgeToken.resolve(cfg) : null;
      // One budget for the input in flight of both bridges, one for what their peers have not yet read.
      BridgeBudget budget = BridgeBudget.forConfig(cfg);
      budget.bind(module.metrics().registry());
      OutputBudget output = new OutputBudget(OutputBudget.DEFAULT_BYTES);
      output.bind(module.metrics().registry());
      BridgePressure pressure = new BridgePressure(budget, output);
      BridgeDrops drops = BridgeDrops.of(module.metrics(), InstantSource.system());
      int tcpPort = 0;
      int httpPort = 0;
      if (cfg.tcpBridgePort() > 0) {
        tcpBridge = TcpBridge.start(vertx, cfg, token, pressure, drops, InstantSource.system(),
          module.rawEventInlet()).await();
        LOG.info("TCP event-bus bridge on {}:{}", cfg.httpHost(), tcpBridge.actualPort());
        tcpPort = tcpBridge.actualPort();
      }
      if (cfg.httpPort() > 0) {
        Router router = HttpEndpoints.router(vertx, cfg, module.metrics(), pressure);
        if (sockJs) {
          router.route("/eventbus/*").subRouter(SockJsBridge.router(vertx, cfg, token, pressure, drops,
            InstantSource.system()));
        }
        GraphQLRoute.mount(vertx, router, cfg, token, OriginPolicy.of(cfg, origin -> drops.drop("origin",
          "/graphql: request from origin " + origin + " refused with 403 (allowed_origins)")));
        DevScreenshots.mount(router, vertx, cfg, new ApiGuard(OriginPolicy.of(cfg, origin -> drops.drop("origin",
          "/dev/screenshots: request from origin " + origin + " refused with 403 (allowed_origins)")), token));
        HistoryRoutes.mount(vertx, router, cfg, new ApiGuard(OriginPolicy.of(cfg, origin -> drops.drop("origin",
          "/export, /import: request from origin " + origin + " refused with 403 (allowed_origins)")), token));
        InspectorPage.mount(router);
        HttpServer server = HttpEndpoints.start(vertx, cfg, router).await();
        httpPort = server.actualPort();
        LOG.info("HTTP on {}:{}: /metrics, /health, /graphql, /export, /import{}, / (inspector page)", cfg.httpHost(), server.actualPort(),
          sockJs ? ", /eventbus (SockJS bridge)" : "");
        System.err.println("skelly-storage: inspector page at "
          + InspectorPage.address(cfg.httpHost(), server.actualPort(), token.text()));
      }
      if (token != null) {
        endpoint = EndpointFile.write(cfg, httpPort, tcpPort);
      }
    } catch (Exception e) {
      System.err.println("skelly-storage: cannot start: " + (e.getMessage() == null ? e : e.getMessage()));
      keeper.close();
      vertx.close().await();
      return Main.EXIT_FAILURE;
    }
    Simulator simulator = null;
    if (simulate != null) {
      simulator = new Simulator(simulate, screenshotMs, pngs, System::currentTimeMillis);
      vertx.deployVerticle(simulator).await();
    }

    CountDownLatch stopRequested = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    AtomicInteger exitCode = new AtomicInteger(0);
    Thread hook = new Thread(() -> {
      stopRequested.countDown();
      try {
        finished.await();
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(exitCode.get());
    }, "skelly-storage-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    StatusLine status = new StatusLine(module.metrics(), System.err);
    long statusTimer = vertx.setPeriodic(StatusLine.PERIOD_MS, id -> status.print());
    try {
      if (durationMs >= 0) {
        stopRequested.await(durationMs, TimeUnit.MILLISECONDS);
      } else {
        stopRequested.await();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    vertx.cancelTimer(statusTimer);
    status.finish();
    keeper.close();
    LOG.info("stopping: draining the module");
    int code = 0;
    try {
      if (tcpBridge != null) {
        // Connections whose peers stopped reading would hold a plain close until their idle timeout.
        tcpBridge.shutdown(1, TimeUnit.SECONDS).await();
      }
      if (simulator != null) {
        vertx.undeploy(simulator.deploymentID()).await();
      }
      vertx.undeploy(moduleId).await();
    } catch (Exception | Error e) {
      // Whatever went wrong, the process must still end with a reason and an exit code.
      String why = e instanceof dev.skellyjelly.storage.ShutdownTimeoutException ? e.getMessage()
        : "shutdown failed: " + (e.getMessage() == null ? e : e.getMessage());
      System.err.println("skelly-storage: " + why);
      code = Main.EXIT_FAILURE;
    }
    if (endpoint != null) {
      try {
        Files.deleteIfExists(endpoint);
      } catch (IOException e) {
        LOG.warn("cannot remove {}: {}", endpoint, e.getMessage());
      }
    }
    for (Path png : pngs) {
      try {
        Files.deleteIfExists(png);
        Files.deleteIfExists(png.getParent());
      } catch (IOException ignored) {
        // Left for deleteOnExit.
      }
    }
    StorageMetrics metrics = module.metrics();
    System.out.println(metrics.summary().encode());
    System.out.flush();
    if (code == 0) {
      try {
        vertx.close().await();
      } catch (Exception e) {
        LOG.warn("closing Vert.x: {}", e.getMessage());
      }
    }
    exitCode.set(code);
    finished.countDown();
    if (stopRequested.getCount() == 0 && Thread.currentThread() != hook) {
      // A signal started the JVM's shutdown: the hook ends the process with our exit code.
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        return code;
      }
    } else {
      Runtime.getRuntime().removeShutdownHook(hook);
    }
    return code;
  }

  /**
   * Real PNGs of realistic sizes, on both sides of any threshold from 1 to 5 MB, made before the run and
   * kept in temporary files (deleted when the JVM exits) rather than in the heap the module runs in.
   */
  static List<Path> screenshots() throws IOException {
    int[] sizesKb = {350, 900, 1_600, 2_600, 4_200, 5_400, 7_900};
    Path dir = Files.createTempDirectory("skelly-sim-");
    dir.toFile().deleteOnExit();
    List<Path> out = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < sizesKb.length; i++) {
      Path file = dir.resolve("capture-" + i + ".png");
      PngFactory.writeScreenshot(file, sizesKb[i] * 1024, 1000 + i);
      file.toFile().deleteOnExit();
      out.add(file);
    }
    LOG.info("generated {} PNG screenshots in {} ms", out.size(), (System.nanoTime() - started) / 1_000_000);
    return out;
  }
}
