package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.codecs.Addresses;
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
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The two event-bus bridges for modules outside the JVM (CONTRACT §5): the TCP bridge (Vert.x's TCP
 * event-bus bridge protocol: 4-byte big-endian length, then that many bytes of UTF-8 JSON) and the SockJS
 * bridge (WebSocket transport only). Both admit only the contract's addresses, only frames whose header
 * {@code token} carries the bridge token, and messages up to {@link StorageConfig#bridgeMaxMessageBytes()}.
 *
 * <p>The TCP side is implemented here rather than with {@code TcpEventBusBridge}: Vert.x's bridge buffers a
 * frame of any announced length, keeps a connection open after a frame that is not JSON, and forwards every
 * header (the token included) onto the bus. Its wire protocol is kept: {@code send} (with
 * {@code replyAddress} for request/reply), {@code publish}, {@code register}, {@code unregister},
 * {@code ping}; frames back are {@code message}, {@code err} and {@code pong}, as Vert.x writes them.
 */
public final class Bridges {

  /** The frame header that must carry the token. */
  public static final String TOKEN_HEADER = "token";
  /** Written beside the database when {@code bridge_token} is empty. */
  public static final String TOKEN_FILE = "bridge.token";
  /** What a bridge client may send or publish to (and request from). */
  public static final Set<String> INBOUND = Set.of(Addresses.RAW_EVENT, Addresses.ANALYSIS_COMPLETE, Addresses.SCREENSHOT);
  /** What a bridge client may register for. */
  public static final Set<String> OUTBOUND = Set.of(Addresses.EVENT_BATCH_JSON, Addresses.DEAD_LETTER);

  /** Deepest nesting of a frame (the frame object is level 1); deeper frames are refused as malformed. */
  public static final int MAX_DEPTH = 64;

  /** Whether a parsed JSON value nests deeper than {@code max} levels; iterative, so any depth is safe to check. */
  static boolean deeperThan(Object root, int max) {
    java.util.ArrayDeque<Object[]> todo = new java.util.ArrayDeque<>();
    todo.push(new Object[]{root, 1});
    while (!todo.isEmpty()) {
      Object[] item = todo.pop();
      int depth = (Integer) item[1];
      Iterable<?> children;
      if (item[0] instanceof JsonObject o) {
        children = o.getMap().values();
      } else if (item[0] instanceof io.vertx.core.json.JsonArray a) {
        children = a.getList();
      } else if (item[0] instanceof Map<?, ?> m) {
        children = m.values();
      } else if (item[0] instanceof java.util.List<?> l) {
        children = l;
      } else {
        continue;
      }
      if (depth > max) {
        return true;
      }
      for (Object child : children) {
        todo.push(new Object[]{child, depth + 1});
      }
    }
    return false;
  }

  /** Vert.x's error for a frame outside the allow-list or without the right token. */
  public static final String ACCESS_DENIED = "access_denied";

  private static final Logger LOG = LoggerFactory.getLogger(Bridges.class);
  /** Not on either allow-list: a refused SockJS frame is pointed here so Vert.x itself answers access_denied. */
  private static final String NOWHERE = "";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private Bridges() {
  }

  // ---------------------------------------------------------------- token

  /**
   * The bridge token: {@code bridge_token} when set; else the one in {@code bridge.token} beside the
   * database, created (random, 256 bits, mode 0600) the first time and reused afterwards.
   */
  public static String resolveToken(StorageConfig config) throws IOException {
    if (!config.bridgeToken().isEmpty()) {
      return config.bridgeToken();
    }
    Path file = Path.of(config.databasePath()).toAbsolutePath().resolveSibling(TOKEN_FILE);
    Files.createDirectories(file.getParent());
    for (int attempt = 0; attempt < 2; attempt++) {
      if (Files.exists(file)) {
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!token.isEmpty()) {
          ownerOnly(file);
          return token;
        }
        Files.delete(file);
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      try {
        createOwnerOnly(file);
      } catch (FileAlreadyExistsException raced) {
        continue;
      }
      Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      LOG.info("bridge token written to {} (mode 0600)", file);
      return token;
    }
    throw new IOException("cannot create " + file);
  }

  private static void createOwnerOnly(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    ownerOnly(file);
  }

  /** Also tightens a file someone made readable to others. */
  private static void ownerOnly(Path file) throws IOException {
    try {
      if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
        Files.setPosixFilePermissions(file, OWNER_ONLY);
      }
    } catch (UnsupportedOperationException notPosix) {
      // Not a POSIX file system: its default permissions apply.
    }
  }

  /** True when the frame's {@code headers.token} equals the token (compared in constant time). */
  static boolean hasToken(JsonObject frame, byte[] token) {
    Object headers = frame.getValue("headers");
    if (!(headers instanceof JsonObject h) || !(h.getValue(TOKEN_HEADER) instanceof String given)) {
      return false;
    }
    return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token);
  }

  // ---------------------------------------------------------------- SockJS

  /**
   * The SockJS bridge as a router to mount at {@code /eventbus} ({@code router.route("/eventbus/*").subRouter(…)}).
   * Only the WebSocket transport is on, so a web page cannot reach it through XHR streaming, polling,
   * EventSource or JSONP; and no frame gets through without the token, which a web page cannot know.
   * A message over the HTTP server's WebSocket limit (set by the host to the bridge limit) closes its
   * connection and counts {@code dropped{reason="oversize"}}.
   */
  public static Router sockJs(Vertx vertx, StorageConfig config, String token, StorageMetrics metrics) {
    SockJSHandlerOptions options = new SockJSHandlerOptions().setRegisterWriteHandler(false).setInsertJSESSIONID(false);
    for (Transport t : Transport.values()) {
      if (t != Transport.WEBSOCKET) {
        options.addDisabledTransport(t.toString());
      }
    }
    SockJSBridgeOptions bridge = new SockJSBridgeOptions();
    INBOUND.forEach(a -> bridge.addInboundPermitted(new PermittedOptions().setAddress(a)));
    OUTBOUND.forEach(a -> bridge.addOutboundPermitted(new PermittedOptions().setAddress(a)));
    byte[] secret = token.getBytes(StandardCharsets.UTF_8);
    long limit = config.bridgeMaxMessageBytes();
    admitLongStrings(limit);
    return SockJSHandler.create(vertx, options).bridge(bridge, event -> guard(event, secret, limit, metrics));
  }

  private static void guard(BridgeEvent event, byte[] token, long limit, StorageMetrics metrics) {
    BridgeEventType type = event.type();
    switch (type) {
      case SEND, PUBLISH, REGISTER, UNREGISTER -> {
        JsonObject frame = event.getRawMessage();
        if (hasToken(frame, token)) {
          // The token stays at the bridge: nothing on the bus (or in a cluster) ever sees it.
          if (frame.getValue("headers") instanceof JsonObject headers) {
            headers.remove(TOKEN_HEADER);
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
      default -> event.complete(true);
    }
  }

  /**
   * Jackson refuses JSON strings over 20 000 000 characters by default, less than the base64 of a
   * maximum-size screenshot: Vert.x's JSON codec must admit strings as long as a bridge message.
   */
  static synchronized void admitLongStrings(long limit) {
    com.fasterxml.jackson.core.JsonFactory factory = io.vertx.core.json.jackson.DatabindCodec.mapper().getFactory();
    int wanted = (int) Math.min(Integer.MAX_VALUE, limit);
    if (factory.streamReadConstraints().getMaxStringLength() < wanted) {
      factory.setStreamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
        .maxStringLength(wanted).build());
    }
  }

  // ---------------------------------------------------------------- TCP

  /**
   * Starts the TCP bridge on {@code http_host:tcp_bridge_port}. The returned server's
   * {@code actualPort()} is the port bound; closing it stops the bridge.
   */
  public static Future<NetServer> startTcp(Vertx vertx, StorageConfig config, String token, StorageMetrics metrics) {
    byte[] secret = token.getBytes(StandardCharsets.UTF_8);
    long limit = config.bridgeMaxMessageBytes();
    admitLongStrings(limit);
    NetServerOptions options = new NetServerOptions().setHost(config.httpHost()).setPort(config.tcpBridgePort())
      .setTcpNoDelay(true);
    NetServer server = vertx.createNetServer(options);
    server.connectHandler(socket -> new TcpConnection(vertx.eventBus(), socket, secret, limit, metrics).start());
    return server.listen();
  }

  private static final java.util.List<com.fasterxml.jackson.core.Base64Variant> IMAGE_ALPHABETS = java.util.List.of(
    com.fasterxml.jackson.core.Base64Variants.MIME_NO_LINEFEEDS.withReadPadding(
      com.fasterxml.jackson.core.Base64Variant.PaddingReadBehaviour.PADDING_ALLOWED),
    com.fasterxml.jackson.core.Base64Variants.MODIFIED_FOR_URL.withReadPadding(
      com.fasterxml.jackson.core.Base64Variant.PaddingReadBehaviour.PADDING_ALLOWED));

  /**
   * A frame as JSON, or null when it is not JSON. The base64 text of {@code body.data.image} is decoded
   * straight into bytes while parsing (never held as a String: a maximum-size screenshot's base64 would
   * cost ~90 MB of transient chars and strings); when it is not valid base64 in either alphabet the frame
   * is parsed the plain way, so the receiver dead-letters it as bad_image.
   */
  static Object parseFrame(Buffer bytes) {
    for (com.fasterxml.jackson.core.Base64Variant alphabet : IMAGE_ALPHABETS) {
      io.netty.buffer.ByteBuf buf = ((io.vertx.core.internal.buffer.BufferInternal) bytes).getByteBuf().duplicate();
      try (com.fasterxml.jackson.core.JsonParser p = io.vertx.core.json.jackson.DatabindCodec.mapper().getFactory()
        .createParser((java.io.InputStream) new io.netty.buffer.ByteBufInputStream(buf))) {
        Object value = readValue(p, p.nextToken(), 0, alphabet, 0);
        return p.nextToken() == null ? value : null;
      } catch (TooDeep deep) {
        // Refused whole: neither this parser nor a plain one may recurse that deep on an event loop's stack.
        return null;
      } catch (IOException | RuntimeException e) {
        // Not JSON, or the image is not in this alphabet: try the next.
      }
    }
    try {
      return bytes.toJsonValue();
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  /** A frame nested deeper than {@link #MAX_DEPTH}. */
  private static final class TooDeep extends IOException {
    TooDeep() {
      super("nested deeper than " + MAX_DEPTH + " levels", null);
    }
  }

  /** {@code slot}: 1 inside body, 2 inside body.data, 3 for the value of body.data.image. */
  private static Object readValue(com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.core.JsonToken t, int slot,
                                  com.fasterxml.jackson.core.Base64Variant alphabet, int depth) throws IOException {
    if (t == null) {
      throw new IOException("unexpected end");
    }
    if (depth > MAX_DEPTH) {
      throw new TooDeep();
    }
    switch (t) {
      case START_OBJECT: {
        JsonObject o = new JsonObject();
        for (com.fasterxml.jackson.core.JsonToken n = p.nextToken(); n != com.fasterxml.jackson.core.JsonToken.END_OBJECT; n = p.nextToken()) {
          String name = p.currentName();
          int inner = (slot == 0 && name.equals("body")) ? 1 : (slot == 1 && name.equals("data")) ? 2
            : (slot == 2 && name.equals("image")) ? 3 : -1;
          o.put(name, readValue(p, p.nextToken(), inner, alphabet, depth + 1));
        }
        return o;
      }
      case START_ARRAY: {
        io.vertx.core.json.JsonArray a = new io.vertx.core.json.JsonArray();
        for (com.fasterxml.jackson.core.JsonToken n = p.nextToken(); n != com.fasterxml.jackson.core.JsonToken.END_ARRAY; n = p.nextToken()) {
          a.add(readValue(p, n, -1, alphabet, depth + 1));
        }
        return a;
      }
      case VALUE_STRING:
        return slot == 3 ? p.getBinaryValue(alphabet) : p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return p.getNumberType() == com.fasterxml.jackson.core.JsonParser.NumberType.BIG_DECIMAL ? p.getDecimalValue() : p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected token " + t);
    }
  }

  /** One TCP bridge client: a bounded frame parser in front of the protocol. Runs on one event loop. */
  private static final class TcpConnection {
    private final EventBus bus;
    private final NetSocket socket;
    private final byte[] token;
    private final long limit;
    private final StorageMetrics metrics;
    private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>();
    private final byte[] header = new byte[4];
    private int headerFill;
    /** Length of the frame being read, or -1 while reading its 4-byte header. */
    private int expected = -1;
    private Buffer body;
    private boolean closed;

    TcpConnection(EventBus bus, NetSocket socket, byte[] token, long limit, StorageMetrics metrics) {
      this.bus = bus;
      this.socket = socket;
      this.token = token;
      this.limit = limit;
      this.metrics = metrics;
    }

    void start() {
      socket.handler(this::onData);
      socket.closeHandler(v -> onClosed());
      socket.exceptionHandler(err -> {
        LOG.debug("TCP bridge: connection from {}: {}", socket.remoteAddress(), err.toString());
        close();
      });
    }

    private void onData(Buffer chunk) {
      int pos = 0;
      int n = chunk.length();
      while (pos < n && !closed) {
        if (expected < 0) {
          while (headerFill < 4 && pos < n) {
            header[headerFill++] = chunk.getByte(pos++);
          }
          if (headerFill < 4) {
            return;
          }
          headerFill = 0;
          int length = ((header[0] & 0xFF) << 24) | ((header[1] & 0xFF) << 16) | ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
          if (length < 2) {
            // The protocol's length is a signed int: negative is no length at all; 0 or 1 byte holds no object.
            refuse("malformed_frame", "bad frame length " + length);
            return;
          }
          if (length > limit) {
            refuse("oversize", "frame of " + length + " bytes over the " + limit + "-byte limit");
            return;
          }
          expected = length;
          body = Buffer.buffer(Math.min(length, 64 * 1024));
        } else {
          int take = Math.min(expected - body.length(), n - pos);
          body.appendBuffer(chunk, pos, take);
          pos += take;
          if (body.length() == expected) {
            Buffer frame = body;
            body = null;
            expected = -1;
            onFrame(frame);
          }
        }
      }
    }

    private void onFrame(Buffer bytes) {
      Object parsed = parseFrame(bytes);
      if (!(parsed instanceof JsonObject frame)) {
        refuse("malformed_frame", "frame is not a JSON object");
        return;
      }
      if (deeperThan(frame, MAX_DEPTH)) {
        // Vert.x copies a JSON body on local delivery, recursively: past a few hundred levels that overflows the
        // event loop's stack and the message would vanish. No contract message comes close to this depth.
        refuse("malformed_frame", "frame nested deeper than " + MAX_DEPTH + " levels");
        return;
      }
      String type = frame.getValue("type") instanceof String t ? t : null;
      if ("ping".equals(type)) {
        write(new JsonObject().put("type", "pong"));
        return;
      }
      if (!hasToken(frame, token)) {
        error(ACCESS_DENIED);
        return;
      }
      String address = frame.getValue("address") instanceof String a ? a : null;
      if (type == null || !Set.of("send", "publish", "register", "unregister").contains(type)) {
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
      if (!INBOUND.contains(address)) {
        error(ACCESS_DENIED);
        return;
      }
      DeliveryOptions options = delivery(frame);
      Object body = frame.getValue("body");
      String replyAddress = frame.getValue("replyAddress") instanceof String r ? r : null;
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
      if (!INBOUND.contains(address)) {
        error(ACCESS_DENIED);
        return;
      }
      bus.publish(address, frame.getValue("body"), delivery(frame));
    }

    private void register(String address) {
      if (!OUTBOUND.contains(address)) {
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
      if (!OUTBOUND.contains(address)) {
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

    /** The frame's headers as message headers, without the token; {@code timeout} as the request timeout. */
    private static DeliveryOptions delivery(JsonObject frame) {
      DeliveryOptions options = new DeliveryOptions();
      if (frame.getValue("headers") instanceof JsonObject headers) {
        for (Map.Entry<String, Object> h : headers) {
          String name = h.getKey();
          Object value = h.getValue();
          if (name.equals(TOKEN_HEADER) || value == null) {
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

    private void error(String message) {
      write(new JsonObject().put("type", "err").put("message", message));
    }

    private void write(JsonObject frame) {
      if (closed) {
        return;
      }
      Buffer payload = frame.toBuffer();
      socket.write(Buffer.buffer(payload.length() + 4).appendInt(payload.length()).appendBuffer(payload));
    }

    /** Counts the frame as dropped, tells the client why and closes this connection only. */
    private void refuse(String reason, String detail) {
      metrics.dropped(reason, 1);
      LOG.warn("TCP bridge: closing connection from {}: {}", socket.remoteAddress(), detail);
      error(reason);
      close();
    }

    private void close() {
      if (!closed) {
        closed = true;
        body = null;
        socket.close();
        onClosed();
      }
    }

    private void onClosed() {
      closed = true;
      registrations.values().forEach(MessageConsumer::unregister);
      registrations.clear();
    }
  }
}
