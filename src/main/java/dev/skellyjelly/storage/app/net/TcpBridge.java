package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.impl.InternalAddresses;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The TCP event-bus bridge (CONTRACT §5) with Vert.x's wire protocol: {@code send} (with {@code replyAddress} for
 * request/reply), {@code publish}, {@code register}, {@code unregister}, {@code ping}; frames back are
 * {@code message}, {@code err} and {@code pong}, as Vert.x writes them. It admits only the {@link BridgeAllowList}
 * addresses, only frames carrying the {@link BridgeToken}, and frames up to
 * {@link StorageConfig#bridgeMaxMessageBytes()} ({@link TcpFraming}, {@link TcpFrameJson}).
 *
 * <p>Fire-and-forget frames to {@code skelly.raw-event} (publish, or send without {@code replyAddress}) of one
 * socket read reach this node's receiver as one local {@link RawEventGroup}; requests go on the bus one by one, as
 * before, after the group gathered ahead of them. Frames back go through a {@link FrameOutbox}, which makes a
 * batch's text in slices.
 *
 * <p>Implemented here rather than with Vert.x's {@code TcpEventBusBridge}, which buffers a frame of any announced
 * length, keeps a connection open after a frame that is not JSON, and forwards every header (the token included)
 * onto the bus.
 */
public final class TcpBridge {

  /** Vert.x's error for a frame outside the allow-list or without the right token. */
  public static final String ACCESS_DENIED = "access_denied";

  private static final Logger LOG = LoggerFactory.getLogger(TcpBridge.class);
  private static final Set<String> FRAME_TYPES = Set.of("send", "publish", "register", "unregister");
  /** A group of fire-and-forget raw events is handed to the receiver at the latest when it holds this many. */
  static final int GROUP_EVENTS = 500;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final BridgeToken token;
  private final long limit;
  private final TcpFrameJson json;
  private final StorageMetrics metrics;

  private TcpBridge(Vertx vertx, BridgeToken token, long limit, StorageMetrics metrics) {
    this.vertx = vertx;
    this.token = token;
    this.limit = limit;
    this.json = new TcpFrameJson(limit);
    this.metrics = metrics;
  }

  /**
   * Starts the TCP bridge on {@code http_host:tcp_bridge_port}. The returned server's {@code actualPort()} is the
   * port bound; closing it stops the bridge.
   */
  public static Future<NetServer> start(Vertx vertx, StorageConfig config, BridgeToken token, StorageMetrics metrics) {
    TcpBridge bridge = new TcpBridge(vertx, token, config.bridgeMaxMessageBytes(), metrics);
    NetServerOptions options = new NetServerOptions().setHost(config.httpHost()).setPort(config.tcpBridgePort())
      .setTcpNoDelay(true);
    NetServer server = vertx.createNetServer(options);
    server.connectHandler(socket -> bridge.new Connection(socket).start());
    return server.listen();
  }

  /** One client: its framing in front of the protocol, and what it registered for. Runs on one event loop. */
  private final class Connection {
    private final EventBus bus = vertx.eventBus();
    private final NetSocket socket;
    private final TcpFraming framing;
    /** Frames back to the client, in order; a batch's text made in slices between other tasks. */
    private final FrameOutbox outbox;
    private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>();
    /** Fire-and-forget raw-event bodies of the current socket read, in arrival order. */
    private List<Object> group = new ArrayList<>();
    private boolean closed;

    Connection(NetSocket socket) {
      this.socket = socket;
      this.framing = new TcpFraming(limit, this::onFrame, this::refuse);
      this.outbox = new FrameOutbox(vertx.getOrCreateContext(), socket, FrameOutbox.LENGTH_PREFIXED);
    }

    void start() {
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
      handOver();
    }

    /**
     * Hands the gathered fire-and-forget raw events to the receiver, local-only and by reference: their JSON
     * objects, parsed once from the frames, are what the receiver validates (a bus message per event cost a task
     * each and a deep copy of its body through the JSON object codec).
     */
    private void handOver() {
      if (!group.isEmpty()) {
        bus.send(InternalAddresses.RAW_EVENT_GROUP, new RawEventGroup(group), LOCAL);
        group = new ArrayList<>();
      }
    }

    private void onFrame(Buffer bytes) {
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
        error(ACCESS_DENIED);
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

    private void send(String address, JsonObject frame) {
      if (!BridgeAllowList.INBOUND.contains(address)) {
        error(ACCESS_DENIED);
        return;
      }
      Object body = frame.getValue("body");
      String replyAddress = frame.getValue("replyAddress") instanceof String r ? r : null;
      if (replyAddress == null && gathered(address, body)) {
        return;
      }
      // Whatever else the client sent goes out after the raw events before it, in the order it was written.
      handOver();
      DeliveryOptions options = delivery(frame);
      if (replyAddress == null) {
        bus.send(address, body, options);
        return;
      }
      bus.request(address, body, options)
        .onSuccess(reply -> write(new JsonObject().put("type", "message").put("address", replyAddress)
          .put("headers", headers(reply)).put("body", reply.body()).put("send", true)))
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
      if (!gathered(address, frame.getValue("body"))) {
        handOver();
        bus.publish(address, frame.getValue("body"), delivery(frame));
      }
    }

    /** Adds a fire-and-forget raw event to the group; false for another address. */
    private boolean gathered(String address, Object body) {
      if (!address.equals(Addresses.RAW_EVENT)) {
        return false;
      }
      group.add(body);
      if (group.size() >= GROUP_EVENTS) {
        handOver();
      }
      return true;
    }

    private void register(String address) {
      if (!BridgeAllowList.OUTBOUND.contains(address)) {
        error(ACCESS_DENIED);
        return;
      }
      if (registrations.containsKey(address)) {
        return;
      }
      registrations.put(address, bus.consumer(address, msg -> write(new JsonObject().put("type", "message")
        .put("address", address).put("headers", headers(msg)).put("body", msg.body()).put("send", msg.isSend()))));
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
      write(errorFrame(message));
    }

    private void write(JsonObject frame) {
      if (!closed) {
        outbox.send(frame);
      }
    }

    /** Counts the frame as dropped, tells the client why and closes this connection only. */
    private void refuse(TcpFraming.Refusal refusal) {
      metrics.dropped(refusal.reason(), 1);
      LOG.warn("TCP bridge: closing connection from {}: {}", socket.remoteAddress(), refusal.detail());
      if (!closed) {
        outbox.sendLast(errorFrame(refusal.reason()));
      }
      close();
    }

    private void close() {
      if (!closed) {
        closed = true;
        socket.close();
        onClosed();
      }
    }

    private void onClosed() {
      closed = true;
      framing.stop();
      outbox.close();
      registrations.values().forEach(MessageConsumer::unregister);
      registrations.clear();
    }
  }

  private static JsonObject errorFrame(String message) {
    return new JsonObject().put("type", "err").put("message", message);
  }

  /** The frame's headers as message headers, without the token; {@code timeout} as the request timeout. */
  private static DeliveryOptions delivery(JsonObject frame) {
    DeliveryOptions options = new DeliveryOptions();
    if (frame.getValue("headers") instanceof JsonObject headers) {
      for (Map.Entry<String, Object> h : headers) {
        String name = h.getKey();
        Object value = h.getValue();
        if (name.equals(BridgeToken.HEADER) || value == null) {
          continue;
        }
        if (name.equals("timeout") && value instanceof Number ms && ms.longValue() > 0) {
          options.setSendTimeout(ms.longValue());
        } else if (!name.equals("localOnly") && !name.equals("codecName")) {
          options.addHeader(name, value.toString());
        }
      }
    }
    return options;
  }

  private static JsonObject headers(Message<?> msg) {
    JsonObject out = new JsonObject();
    msg.headers().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }
}
