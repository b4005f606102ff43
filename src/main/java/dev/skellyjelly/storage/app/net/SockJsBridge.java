package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
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

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SockJS event-bus bridge (CONTRACT §5), Vert.x's own, as a router to mount at {@code /eventbus}
 * ({@code router.route("/eventbus/*").subRouter(…)}). Only the WebSocket transport is on, so a web page cannot
 * reach it through XHR streaming, polling, EventSource or JSONP; only the {@link BridgeAllowList} addresses are
 * permitted; and no frame gets through without the {@link BridgeToken}, which a web page cannot know. A message
 * over the HTTP server's WebSocket limit (set by the host to the bridge limit) closes its connection and counts
 * {@code dropped{reason="oversize"}}.
 *
 * <p>What goes out to a client is written by this bridge rather than Vert.x's: the same text, made in slices by a
 * {@link FrameOutbox} per connection, so that a 30 000-event batch does not hold the event loop for its whole
 * text (Vert.x encodes each outgoing message in one piece).
 */
public final class SockJsBridge {

  private static final Logger LOG = LoggerFactory.getLogger(SockJsBridge.class);
  /** Not on either allow-list: a refused frame is pointed here so Vert.x itself answers access_denied. */
  private static final String NOWHERE = "";

  private final BridgeToken token;
  private final long limit;
  private final StorageMetrics metrics;
  /** Each open connection's outgoing messages; connections may live on different event loops. */
  private final Map<SockJSSocket, FrameOutbox> outboxes = new ConcurrentHashMap<>();

  private SockJsBridge(BridgeToken token, long limit, StorageMetrics metrics) {
    this.token = token;
    this.limit = limit;
    this.metrics = metrics;
  }

  public static Router router(Vertx vertx, StorageConfig config, BridgeToken token, StorageMetrics metrics) {
    SockJSHandlerOptions options = new SockJSHandlerOptions().setRegisterWriteHandler(false).setInsertJSESSIONID(false);
    for (Transport t : Transport.values()) {
      if (t != Transport.WEBSOCKET) {
        options.addDisabledTransport(t.toString());
      }
    }
    SockJSBridgeOptions bridge = new SockJSBridgeOptions();
    BridgeAllowList.INBOUND.forEach(a -> bridge.addInboundPermitted(new PermittedOptions().setAddress(a)));
    BridgeAllowList.OUTBOUND.forEach(a -> bridge.addOutboundPermitted(new PermittedOptions().setAddress(a)));
    SockJsBridge guard = new SockJsBridge(token, config.bridgeMaxMessageBytes(), metrics);
    return SockJSHandler.create(vertx, options).bridge(bridge, guard::onBridgeEvent);
  }

  private void onBridgeEvent(BridgeEvent event) {
    BridgeEventType type = event.type();
    switch (type) {
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
          metrics.dropped("oversize", 1);
          LOG.warn("SockJS bridge: connection from {} closed: message over the {}-byte limit",
            event.socket().remoteAddress(), limit);
        }
        event.socket().close();
        event.complete(true);
      }
      case RECEIVE -> {
        // Vert.x's envelope, written here in slices; false keeps Vert.x from writing it too.
        outboxes.computeIfAbsent(event.socket(),
            socket -> new FrameOutbox(Vertx.currentContext(), socket, FrameOutbox.WHOLE_MESSAGE))
          .send(event.getRawMessage());
        event.complete(false);
      }
      case SOCKET_CLOSED -> {
        FrameOutbox outbox = outboxes.remove(event.socket());
        if (outbox != null) {
          outbox.close();
        }
        event.complete(true);
      }
      default -> event.complete(true);
    }
  }
}
