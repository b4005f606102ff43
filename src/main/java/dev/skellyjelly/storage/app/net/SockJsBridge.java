package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.http.OriginPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.handler.sockjs.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SockJS event-bus bridge (CONTRACT §5), Vert.x's own, as a router to mount at {@code /eventbus}
 * ({@code router.route("/eventbus/*").subRouter(…)}). Only the WebSocket transport is on, so a web page cannot
 * reach it through XHR streaming, polling, EventSource or JSONP; a handshake carrying a foreign {@code Origin} is
 * refused with 403 ({@link OriginPolicy}); only the {@link BridgeAllowList} addresses are permitted; and no frame
 * gets through without the {@link BridgeToken}, which a web page cannot know.
 *
 * <p>Bounded in bytes: a message over {@code sockjs_max_message_kb} (the HTTP server's WebSocket limit, set by the
 * host) closes its connection ({@code oversize}); at most {@code bridge_max_connections} connections are open, and
 * each holds {@link #worstCaseBytes} of the shared {@link BridgeBudget} while open (refused when the budget cannot
 * cover it and still leave one maximum-size TCP frame); a connection that does not ping for
 * {@code bridge_idle_timeout_seconds} is closed ({@code idle}); a consumer whose WebSocket write queue is full, or
 * whose unread messages reach its share of the shared {@link OutputBudget}, gets no more messages
 * ({@code slow_consumer}) and is closed when that lasts {@link ConnectionOutput#SLOW_CLOSE_MS}; while the whole output
 * budget is spent no connection gets consumer messages.
 *
 * <p>What goes out to a client is written by this bridge rather than Vert.x's: the same text, made in slices by a
 * {@link FrameOutbox} per connection, so that a 30 000-event batch does not hold the event loop for its whole
 * text (Vert.x encodes each outgoing message in one piece).
 */
public final class SockJsBridge {

  /**
   * Heap one SockJS message of N bytes may take before any hook sees it, as a multiple of N: Vert.x gathers the
   * WebSocket message, decodes it to text, decodes the SockJS frame's JSON array to a string (Jackson's char[] at
   * two bytes a character), then the bridge's JSON object of that. SockJsBridgeTest measures the bytes allocated
   * on the event loop per message byte: 8.9 through the raw WebSocket, 12.8 through SockJS framing; rounded up.
   */
  public static final int COPY_FACTOR = 13;

  private static final Logger LOG = LoggerFactory.getLogger(SockJsBridge.class);
  /** Not on either allow-list: a refused frame is pointed here so Vert.x itself answers access_denied. */
  private static final String NOWHERE = "";

  /**
   * Per open connection: its share of the input budget, its outgoing messages and the bytes of them not yet
   * written (touched on its event loop only), since when it is full (else -1).
   */
  /**
   * An open connection: its reservation of the input budget, its outbox, and what it holds for its peer (frames
   * waiting, by their estimate, and text written and not yet taken), counted in the shared output budget too.
   */
  private final class Open implements FrameOutbox.Written {
    final long reserved;
    FrameOutbox outbox;
    long unread;
    long fullSinceMs = -1;
    final FiringParts parts = new FiringParts();

    Open(long reserved) {
      this.reserved = reserved;
    }

    @Override
    public void waiting(long bytes) {
      unread += bytes;
      if (bytes > 0) {
        output.add(bytes);
      } else {
        output.release(-bytes);
      }
    }

    @Override
    public void queued(int length, Future<Void> done) {
      waiting(length);
      done.onComplete(v -> waiting(-length));
    }
  }

  private final BridgeToken token;
  private final long limit;
  private final long keepFree;
  private final long idleMs;
  private final BridgeBudget budget;
  private final OutputBudget output;
  private final BridgeDrops drops;
  private final ConnectionLimit connections;
  private final InstantSource clock;
  private final Map<SockJSSocket, Open> open = new ConcurrentHashMap<>();

  private SockJsBridge(StorageConfig config, BridgeToken token, BridgePressure pressure, BridgeDrops drops,
                       InstantSource clock) {
    this.token = token;
    this.limit = config.sockjsMaxMessageBytes();
    this.keepFree = config.bridgeMaxMessageBytes();
    this.idleMs = config.bridgeIdleTimeoutMs();
    this.budget = pressure.budget();
    this.output = pressure.output();
    this.drops = drops;
    this.connections = pressure.limit("sockjs", "SockJS bridge", config.bridgeMaxConnections(), drops);
    this.clock = clock;
  }

  /** The heap a connection may cost at most while a message is arriving: reserved from the budget while open. */
  public static long worstCaseBytes(StorageConfig config) {
    return COPY_FACTOR * config.sockjsMaxMessageBytes();
  }

  public static Router router(Vertx vertx, StorageConfig config, BridgeToken token, BridgePressure pressure,
                              BridgeDrops drops, InstantSource clock) {
    SockJSHandlerOptions options = new SockJSHandlerOptions().setRegisterWriteHandler(false).setInsertJSESSIONID(false);
    for (Transport t : Transport.values()) {
      if (t != Transport.WEBSOCKET) {
        options.addDisabledTransport(t.toString());
      }
    }
    SockJSBridgeOptions bridge = new SockJSBridgeOptions().setPingTimeout(config.bridgeIdleTimeoutMs());
    BridgeAllowList.INBOUND.forEach(a -> bridge.addInboundPermitted(new PermittedOptions().setAddress(a)));
    BridgeAllowList.OUTBOUND.forEach(a -> bridge.addOutboundPermitted(new PermittedOptions().setAddress(a)));
    SockJsBridge guard = new SockJsBridge(config, token, pressure, drops, clock);
    Router router = SockJSHandler.create(vertx, options).bridge(bridge, guard::onBridgeEvent);
    // Before the handshake, or a page of any web site could open the bridge from the person's browser. In the
    // SockJS router itself: a route in a router in front of it broke the WebSocket upgrade.
    router.route().order(-1).handler(OriginPolicy.of(config, origin -> drops.drop("origin",
      "SockJS bridge: handshake from origin " + origin + " refused with 403 (allowed_origins)")));
    return router;
  }

  private void onBridgeEvent(BridgeEvent event) {
    BridgeEventType type = event.type();
    switch (type) {
      case SOCKET_CREATED -> event.complete(admit(event.socket()));
      case SOCKET_CLOSED -> {
        Open o = open.remove(event.socket());
        if (o != null) {
          o.outbox.close();
          budget.release(o.reserved);
          connections.closed();
        }
        event.complete(true);
      }
      case SOCKET_IDLE -> {
        drops.drop("idle", "SockJS bridge: closing connection from " + event.socket().remoteAddress()
          + ": no ping for " + idleMs + " ms (bridge_idle_timeout_seconds)");
        event.complete(true);
      }
      case RECEIVE -> {
        // Vert.x's envelope, written here in slices; false keeps Vert.x from writing it too.
        if (writable(event.socket(), event.getRawMessage())) {
          open.get(event.socket()).outbox.send(event.getRawMessage());
        }
        event.complete(false);
      }
      case SEND, PUBLISH, REGISTER, UNREGISTER -> {
        JsonObject frame = event.getRawMessage();
        if (token.admits(frame)) {
          // The token stays at the bridge: nothing on the bus (or in a cluster) ever sees it.
          if (frame.getValue("headers") instanceof JsonObject headers) {
            headers.remove(BridgeToken.HEADER);
          }
        } else {
          // Vert.x answers {"type":"err","body":"access_denied"} for an address on no allow-list.
          frame.put("address", NOWHERE);
          frame.remove("body");
          frame.remove("replyAddress");
          LOG.debug("SockJS bridge: {} frame without the right token refused", type);
        }
        event.setRawMessage(frame);
        event.complete(true);
      }
      case SOCKET_ERROR -> {
        JsonObject info = event.getRawMessage();
        String message = info == null ? null : info.getString("message");
        if (message != null && (message.contains("max message size") || message.contains("Max frame length"))) {
          drops.drop("oversize", "SockJS bridge: connection from " + event.socket().remoteAddress()
            + " closed: message over the " + limit + "-byte limit (sockjs_max_message_kb)");
        }
        event.socket().close();
        event.complete(true);
      }
      default -> event.complete(true);
    }
  }

  /** A new connection gets a place and its worst case of the budget, or is refused. */
  private boolean admit(SockJSSocket socket) {
    if (!connections.admit(socket.remoteAddress())) {
      return false;
    }
    long bytes = COPY_FACTOR * limit;
    if (!budget.tryReserve(bytes, keepFree)) {
      connections.closed();
      drops.drop(ConnectionLimit.REASON, "SockJS bridge: connection from " + socket.remoteAddress()
        + " refused: the bridges' input budget cannot cover " + bytes + " more bytes");
      return false;
    }
    Open o = new Open(bytes);
    o.outbox = new FrameOutbox(Vertx.currentContext(), socket, FrameOutbox.WHOLE_MESSAGE, o);
    open.put(socket, o);
    return true;
  }

  /**
   * Whether a message for a registered consumer (or a reply) may be written: not while the socket's write queue is
   * full or its unread bytes reach its share of the output budget, so a client that does not read costs no heap
   * (one that stays so is closed); nor while all connections together spent the output budget. The next part of a
   * firing whose earlier parts went through goes while the connection holds less than the whole budget.
   */
  private boolean writable(SockJSSocket socket, JsonObject message) {
    Open o = open.get(socket);
    if (o == null) {
      return false;
    }
    if (o.parts.follows(message) && !socket.writeQueueFull() && o.unread < output.capacity() && !output.spent()) {
      // The next part of a firing whose earlier parts went through (FiringParts).
      o.parts.letThrough(message);
      return true;
    }
    boolean ownFull = socket.writeQueueFull() || o.unread >= output.share();
    if (!ownFull) {
      o.fullSinceMs = -1;
      if (output.admits(o.unread)) {
        o.parts.letThrough(message);
        return true;
      }
      drops.drop("slow_consumer", "SockJS bridge: message for " + socket.remoteAddress() + " dropped: "
        + output.used() + " bytes unread by all bridge connections");
      return false;
    }
    long now = clock.millis();
    if (o.fullSinceMs < 0) {
      o.fullSinceMs = now;
    }
    drops.drop("slow_consumer", "SockJS bridge: message for " + socket.remoteAddress()
      + " dropped: its write queue is full or " + o.unread + " bytes unread");
    if (now - o.fullSinceMs >= ConnectionOutput.SLOW_CLOSE_MS) {
      LOG.warn("SockJS bridge: closing connection from {}: a slow consumer for {} ms", socket.remoteAddress(),
        now - o.fullSinceMs);
      socket.close();
    }
    return false;
  }
}
