package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.OldGenerationRoom;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The TCP event-bus bridge (CONTRACT §5) with Vert.x's wire protocol: {@code send} (with {@code replyAddress} for
 * request/reply), {@code publish}, {@code register}, {@code unregister}, {@code ping}; frames back are
 * {@code message}, {@code err} and {@code pong}, as Vert.x writes them. It admits only the {@link BridgeAllowList}
 * addresses, only frames carrying the {@link BridgeToken}, and frames up to
 * {@link StorageConfig#bridgeMaxMessageBytes()} ({@link TcpFraming}, {@link TcpFrameJson}). This class is the server:
 * it admits connections, sweeps idle and slow ones, and holds what they share; each client's protocol is a
 * {@link TcpConnection}.
 *
 * <p>Fire-and-forget frames to {@code skelly.raw-event} (publish, or send without {@code replyAddress}) of one
 * socket read reach this node's receiver as one {@link RawEventGroup}, handed to it directly; requests go on the bus one by
 * one, after the group gathered ahead of them. A connection whose read brought raw events and ended between frames
 * is not read again for a few milliseconds ({@link ReadRests}): a producer's small writes arrive a few at a time.
 * Frames back go through a {@link FrameOutbox}, which makes a batch's text in slices.
 *
 * <p>Implemented here rather than with Vert.x's {@code TcpEventBusBridge}, which buffers a frame of any announced
 * length, keeps a connection open after a frame that is not JSON, and forwards every header (the token included)
 * onto the bus.
 *
 * <p>Hostile peers are bounded in bytes, with or without the token: frames wait for the shared
 * {@link BridgeBudget} ({@link TcpFraming}); at most {@code bridge_max_connections} connections are open
 * ({@link ConnectionLimit}); a connection is closed when no frame arrived for {@code bridge_idle_timeout_seconds}
 * (a bare 4-byte header does not count), after {@link #MAX_REFUSED_FRAMES} frames without the right token, or when
 * it stays over its output share taking nothing for a while. What connections have written but their peers not yet
 * read is bounded by the bridges' shared {@link OutputBudget} ({@link ConnectionOutput}): past a connection's share,
 * replies (pong, err) pause its reading and consumer messages to it are dropped ({@code slow_consumer}); past the
 * whole budget consumer messages to every connection are.
 */
public final class TcpBridge {

  /** Vert.x's error for a frame outside the allow-list or without the right token. */
  public static final String ACCESS_DENIED = "access_denied";

  static final Logger LOG = LoggerFactory.getLogger(TcpBridge.class);
  /** Frames without the right token a connection may send before it is closed ({@code unauthorized}). */
  static final int MAX_REFUSED_FRAMES = 3;
  static final Set<String> FRAME_TYPES = Set.of("send", "publish", "register", "unregister");

  final Vertx vertx;
  final BridgeToken token;
  final long limit;
  final TcpFrameJson json;
  final BridgeBudget budget;
  final OutputBudget outputBudget;
  final BridgeDrops drops;
  final ConnectionLimit connections;
  final long idleMs;
  final InstantSource clock;
  final Set<TcpConnection> open = ConcurrentHashMap.newKeySet();
  final Handler<RawEventGroup> receiver;
  /** The name of the worker that reads large frames, and of its thread. */
  static final String LARGE_FRAMES = "skelly-bridge-frames";
  /**
   * Reads large frames (screenshots) off the event loop, one at a time for all connections: one frame's parse
   * holds at most one decoded maximum-size image on top of the frames' bytes, as the heap bounds count it.
   */
  final WorkerExecutor largeFrames;
  /** Room in the old generation made on {@link #largeFrames} around a large frame. */
  final OldGenerationRoom oldGenerationRoom = OldGenerationRoom.ofThisJvm();
  /** The connections' rests between reads ({@link ReadRests}), where Vert.x was built with {@link ReadRestTransport}. */
  final ReadRests rests = new ReadRests();

  private TcpBridge(Vertx vertx, StorageConfig config, BridgeToken token, BridgePressure pressure, BridgeDrops drops,
                    InstantSource clock, Handler<RawEventGroup> receiver) {
    this.vertx = vertx;
    this.receiver = receiver;
    this.token = token;
    this.limit = config.bridgeMaxMessageBytes();
    this.json = new TcpFrameJson(limit);
    this.budget = pressure.budget();
    this.outputBudget = pressure.output();
    this.drops = drops;
    this.connections = pressure.limit("tcp", "TCP bridge", config.bridgeMaxConnections(), drops);
    this.idleMs = config.bridgeIdleTimeoutMs();
    this.clock = clock;
    this.largeFrames = vertx.createSharedWorkerExecutor(LARGE_FRAMES, 1);
  }

  /**
   * Starts the TCP bridge on {@code http_host:tcp_bridge_port}, handing the fire-and-forget raw events of each read
   * to {@code receiver} ({@code StorageModule.rawEventInlet()}). The returned server's {@code actualPort()} is the
   * port bound; closing it stops the bridge.
   */
  public static Future<NetServer> start(Vertx vertx, StorageConfig config, BridgeToken token, BridgePressure pressure,
                                        BridgeDrops drops, InstantSource clock, Handler<RawEventGroup> receiver) {
    TcpBridge bridge = new TcpBridge(vertx, config, token, pressure, drops, clock, receiver);
    // The idle timeout closes a channel on which nothing was read or written for that long, without waiting for
    // its peer to take what is queued for it: the end of a connection let go of as idle or as a slow consumer, whose
    // place, budget and registrations close() gives back at once (Vert.x's own close waits for the peer to read).
    NetServerOptions options = bridge.rests.options().setHost(config.httpHost()).setPort(config.tcpBridgePort())
      .setTcpNoDelay(true).setIdleTimeout((int) config.bridgeIdleTimeoutMs()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    NetServer server = vertx.createNetServer(options);
    server.connectHandler(bridge::accept);
    long sweep = vertx.setPeriodic(Math.max(100, Math.min(1_000, bridge.idleMs / 4)), id -> bridge.sweep());
    return server.listen().onFailure(err -> vertx.cancelTimer(sweep));
  }

  private void accept(NetSocket socket) {
    if (!connections.admit(socket.remoteAddress())) {
      socket.close();
      return;
    }
    new TcpConnection(this, socket, rests.claim(socket.remoteAddress())).start();
  }

  /** Closes idle connections and consumers that stayed slow, each on its own event loop. */
  private void sweep() {
    long now = clock.millis();
    for (TcpConnection c : open) {
      c.context.runOnContext(v -> c.check(now));
    }
  }
}
