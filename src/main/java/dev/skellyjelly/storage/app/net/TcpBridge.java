package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.impl.Messages.Predecoded;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import io.netty.channel.Channel;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The TCP event-bus bridge (CONTRACT §5) with Vert.x's wire protocol: {@code send} (with {@code replyAddress} for
 * request/reply), {@code publish}, {@code register}, {@code unregister}, {@code ping}; frames back are
 * {@code message}, {@code err} and {@code pong}, as Vert.x writes them. It admits only the {@link BridgeAllowList}
 * addresses, only frames carrying the {@link BridgeToken}, and frames up to
 * {@link StorageConfig#bridgeMaxMessageBytes()} ({@link TcpFraming}, {@link TcpFrameJson}).
 *
 * <p>Fire-and-forget frames to {@code skelly.raw-event} (publish, or send without {@code replyAddress}) of one
 * socket read reach this node's receiver as one {@link RawEventGroup}, handed to it directly; requests go on the bus one by one, as
 * before, after the group gathered ahead of them. Frames back go through a {@link FrameOutbox}, which makes a
 * batch's text in slices.
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

  private static final Logger LOG = LoggerFactory.getLogger(TcpBridge.class);
  /** Frames without the right token a connection may send before it is closed ({@code unauthorized}). */
  static final int MAX_REFUSED_FRAMES = 3;
  /** How long a connection's socket is left unread after a read that ended between frames ({@link Connection#rest}). */
  static final long READ_REST_MS = 40;
  private static final Set<String> FRAME_TYPES = Set.of("send", "publish", "register", "unregister");

  private final Vertx vertx;
  private final BridgeToken token;
  private final long limit;
  private final TcpFrameJson json;
  private final BridgeBudget budget;
  private final OutputBudget outputBudget;
  private final BridgeDrops drops;
  private final ConnectionLimit connections;
  private final long idleMs;
  private final InstantSource clock;
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();
  private final Handler<RawEventGroup> receiver;

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
    NetServerOptions options = new NetServerOptions().setHost(config.httpHost()).setPort(config.tcpBridgePort())
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
    new Connection(socket).start();
  }

  /** Closes idle connections and consumers that stayed slow, each on its own event loop. */
  private void sweep() {
    long now = clock.millis();
    for (Connection c : open) {
      c.context.runOnContext(v -> c.check(now));
    }
  }

  /** One client: its framing in front of the protocol, and what it registered for. Runs on one event loop. */
  private final class Connection implements TcpFraming.Reading, ConnectionOutput.Reading {
    private final EventBus bus = vertx.eventBus();
    private final Context context = vertx.getOrCreateContext();
    private final NetSocket socket;
    private final TcpFraming framing;
    /** Frames back to the client, in order; a batch's text made in slices between other tasks. */
    private final FrameOutbox outbox;
    private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>();
    /** Fire-and-forget raw-event bodies of the current socket read, in arrival order. */
    private final RawEventGathering rawEvents = new RawEventGathering(receiver);
    private boolean closed;
    /** Closed by this bridge (its reason counted then), not by the peer or the server's idle timeout. */
    private boolean closedHere;
    private long lastFrameMs = clock.millis();
    private int refusedFrames;
    /** Reasons reading is paused for (the budget, a full output): the socket reads again when none is left. */
    private int pauses;
    /** Reading rests after a read ({@link #rest}). */
    private boolean resting;
    /** The socket's Netty channel, whose reading the rests turn off and on; null where the socket has none. */
    private final Channel channel;
    private final ConnectionOutput output;

    Connection(NetSocket socket) {
      this.socket = socket;
      this.channel = socket instanceof NetSocketInternal internal ? internal.channelHandlerContext().channel() : null;
      this.framing = new TcpFraming(limit, budget, this, this::onFrame, this::refuse);
      this.output = new ConnectionOutput(clock, outputBudget, this);
      this.outbox = new FrameOutbox(context, socket, FrameOutbox.LENGTH_PREFIXED, output);
    }

    void start() {
      open.add(this);
      socket.handler(this::onBytes);
      socket.closeHandler(v -> onClosed());
      socket.exceptionHandler(err -> {
        LOG.debug("TCP bridge: connection from {}: {}", socket.remoteAddress(), err.toString());
        close();
      });
    }

    /** The frames of one socket read; the raw events among them reach the receiver as one message. */
    private void onBytes(Buffer chunk) {
      framing.handle(chunk);
      rawEvents.handOver();
      rest();
    }

    /**
     * After a read that ended between frames, the socket is not read for {@link #READ_REST_MS}: what the peer
     * writes meanwhile waits in the kernel and arrives in one read. A producer writing every 10 ms otherwise wakes
     * the event loop a hundred times a second, each wake-up costing more than the few events it brings; its events
     * are committed at most once a second anyway. A frame part-way read is read on at once.
     */
    private void rest() {
      if (resting || closed || pauses > 0 || channel == null || !framing.betweenFrames()) {
        return;
      }
      resting = true;
      channel.config().setAutoRead(false);
      channel.eventLoop().schedule(() -> {
        resting = false;
        readAgain();
      }, READ_REST_MS, TimeUnit.MILLISECONDS);
    }

    /** Reads the socket again once it neither rests nor is paused. */
    private void readAgain() {
      if (!resting && pauses == 0 && !closed && channel != null) {
        channel.config().setAutoRead(true);
      }
    }

    @Override
    public void pause() {
      if (pauses++ == 0) {
        socket.pause();
      }
    }

    @Override
    public void resume() {
      if (--pauses == 0) {
        lastFrameMs = clock.millis();
        socket.resume();
        // A rest that ended during the pause left the socket unread.
        readAgain();
      }
    }

    @Override
    public void onLoop(Runnable task) {
      // A frame let through later (once the budget had room) hands its raw events over at once too.
      context.runOnContext(v -> {
        task.run();
        rawEvents.handOver();
      });
    }

    private void check(long now) {
      if (closed) {
        return;
      }
      // Not idle while the module itself stopped reading it (for the input budget, or for its unread output: the
      // slow-consumer rule decides that); its time to be idle starts again when reading resumes.
      if (pauses == 0 && now - lastFrameMs >= idleMs) {
        drops.drop("idle", "TCP bridge: closing connection from " + socket.remoteAddress() + ": no frame for "
          + (now - lastFrameMs) + " ms (bridge_idle_timeout_seconds)");
        close();
      } else if (output.tooSlow(now)) {
        drops.drop("slow_consumer", "TCP bridge: closing connection from " + socket.remoteAddress() + ": "
          + output.pendingBytes() + " bytes unread, none taken for " + (now - output.lastWrittenMs()) + " ms");
        close();
      }
    }

    private void onFrame(Buffer bytes) {
      lastFrameMs = clock.millis();
      if (bytes.length() > TcpFrameJson.ARRAY_PARSE_BYTES) {
        // A large frame without the token is refused from its type and token alone, never built.
        TcpFrameJson.Head head = json.head(bytes);
        if (head == null) {
          refuse(new TcpFraming.Refusal("malformed_frame", "frame is not a JSON object"));
          return;
        }
        if (!"ping".equals(head.type()) && !token.admits(head.token())) {
          denied();
          return;
        }
      }
      TcpFrameJson.RawEventFrame read = json.rawEvent(bytes);
      if (read != null && gathered(read, bytes)) {
        return;
      }
      JsonObject frame = json.parse(bytes);
      if (frame == null) {
        refuse(new TcpFraming.Refusal("malformed_frame", "frame is not a JSON object"));
        return;
      }
      String type = frame.getValue("type") instanceof String t ? t : null;
      if ("ping".equals(type)) {
        write(new JsonObject().put("type", "pong"));
        return;
      }
      if (!token.admits(frame)) {
        denied();
        return;
      }
      String address = frame.getValue("address") instanceof String a ? a : null;
      if (type == null || !FRAME_TYPES.contains(type)) {
        error("unknown_type");
        return;
      }
      if (address == null) {
        error("missing_address");
        return;
      }
      switch (type) {
        case "send" -> send(address, frame);
        case "publish" -> publish(address, frame);
        case "register" -> register(address);
        default -> unregister(address);
      }
    }

    /**
     * A fire-and-forget raw event read straight into its record, gathered for the receiver with the way back to
     * its JSON; false when the frame is not one the bridge admits as it stands (it then goes the long way, which
     * answers it).
     */
    private boolean gathered(TcpFrameJson.RawEventFrame read, Buffer bytes) {
      if (!("publish".equals(read.type()) || "send".equals(read.type())) || !token.admits(read.token())
        || !BridgeAllowList.INBOUND.contains(read.address())) {
        return false;
      }
      return rawEvents.gathered(read.address(), new Predecoded(read.event(), () -> {
        JsonObject frame = json.parse(bytes);
        return frame == null ? null : frame.getValue("body");
      }));
    }

    private void send(String address, JsonObject frame) {
      if (!BridgeAllowList.INBOUND.contains(address)) {
        error(ACCESS_DENIED);
        return;
      }
      Object body = frame.getValue("body");
      String replyAddress = frame.getValue("replyAddress") instanceof String r ? r : null;
      if (replyAddress == null && rawEvents.gathered(address, body)) {
        return;
      }
      // Whatever else the client sent goes out after the raw events before it, in the order it was written.
      rawEvents.handOver();
      DeliveryOptions options = BridgeFrames.delivery(frame);
      if (replyAddress == null) {
        bus.send(address, body, options);
        return;
      }
      bus.request(address, body, options)
        .onSuccess(reply -> write(new JsonObject().put("type", "message").put("address", replyAddress)
          .put("headers", BridgeFrames.headers(reply)).put("body", reply.body()).put("send", true)))
        .onFailure(err -> {
          JsonObject failed = new JsonObject().put("type", "err").put("address", replyAddress).put("sourceAddress", address);
          if (err instanceof ReplyException failure) {
            failed.put("failureCode", failure.failureCode()).put("failureType", failure.failureType().name());
          }
          write(failed.put("message", String.valueOf(err.getMessage())));
        });
    }

    private void publish(String address, JsonObject frame) {
      if (!BridgeAllowList.INBOUND.contains(address)) {
        error(ACCESS_DENIED);
        return;
      }
      if (!rawEvents.gathered(address, frame.getValue("body"))) {
        rawEvents.handOver();
        bus.publish(address, frame.getValue("body"), BridgeFrames.delivery(frame));
      }
    }

    /** Adds a fire-and-forget raw event to the group; false for another address. */
    private void register(String address) {
      if (!BridgeAllowList.OUTBOUND.contains(address)) {
        error(ACCESS_DENIED);
        return;
      }
      if (registrations.containsKey(address)) {
        return;
      }
      registrations.put(address, bus.consumer(address, msg -> deliver(new JsonObject().put("type", "message")
        .put("address", address).put("headers", BridgeFrames.headers(msg)).put("body", msg.body()).put("send", msg.isSend()))));
    }

    private void unregister(String address) {
      if (!BridgeAllowList.OUTBOUND.contains(address)) {
        error(ACCESS_DENIED);
        return;
      }
      MessageConsumer<Object> consumer = registrations.remove(address);
      if (consumer == null) {
        error("unknown_address");
      } else {
        consumer.unregister();
      }
    }

    private void error(String message) {
      write(BridgeFrames.error(message));
    }

    /** A frame without the right token: access_denied, and after a few of them the connection is closed. */
    private void denied() {
      error(ACCESS_DENIED);
      if (++refusedFrames >= MAX_REFUSED_FRAMES) {
        drops.drop("unauthorized", "TCP bridge: closing connection from " + socket.remoteAddress() + ": "
          + refusedFrames + " frames without the right token");
        close();
      }
    }

    /** A consumer's message: dropped while the peer leaves too much unread, so a slow reader costs no heap. */
    private void deliver(JsonObject frame) {
      if (closed) {
        return;
      }
      if (!output.admitsMessage(frame)) {
        drops.drop("slow_consumer", "TCP bridge: message to " + frame.getString("address") + " for "
          + socket.remoteAddress() + " dropped: " + output.pendingBytes() + " bytes held for it");
        return;
      }
      write(frame);
    }

    /**
     * Replies (pong, err, a request's answer): always written, as each answers a frame read; when they would wait
     * behind what the peer leaves unread, reading stops until it catches up, so a client that pings and never
     * reads fills nothing ({@link ConnectionOutput}).
     */
    private void write(JsonObject frame) {
      if (!closed) {
        outbox.send(frame);
      }
    }

    /** Counts the frame as dropped, tells the client why and closes this connection only. */
    private void refuse(TcpFraming.Refusal refusal) {
      drops.drop(refusal.reason(), "TCP bridge: closing connection from " + socket.remoteAddress() + ": "
        + refusal.detail());
      if (!closed) {
        // Nothing read any more: the frames the error frame replaces give their bytes back without resuming it.
        output.close();
        outbox.sendLast(BridgeFrames.error(refusal.reason()));
      }
      close();
    }

    private void close() {
      if (!closed) {
        closedHere = true;
        socket.close();
        onClosed();
      }
    }

    private void onClosed() {
      if (!closed && !closedHere && pauses == 0 && clock.millis() - lastFrameMs >= idleMs) {
        // Closed by the server's own idle timeout before the sweep came to it: the same end, counted the same way.
        drops.drop("idle", "TCP bridge: connection from " + socket.remoteAddress() + " closed: no frame for "
          + (clock.millis() - lastFrameMs) + " ms (bridge_idle_timeout_seconds)");
      }
      if (open.remove(this)) {
        connections.closed();
      }
      closed = true;
      framing.stop();
      output.close();
      outbox.close();
      registrations.values().forEach(MessageConsumer::unregister);
      registrations.clear();
    }
  }
}
