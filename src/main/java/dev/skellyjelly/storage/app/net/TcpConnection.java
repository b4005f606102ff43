package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.app.OldGenerationRoom;
import dev.skellyjelly.storage.impl.Messages.Predecoded;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;

import java.util.HashMap;
import java.util.Map;

/**
 * One client of the {@link TcpBridge}: its framing in front of the protocol, what it registered for, and what it
 * left unread. Runs on one event loop.
 */
final class TcpConnection implements TcpFraming.Reading, ConnectionOutput.Reading {
  private final TcpBridge bridge;
  private final EventBus bus;
  final Context context;
  private final NetSocket socket;
  private final TcpFraming framing;
  /** Frames back to the client, in order; a batch's text made in slices between other tasks. */
  private final FrameOutbox outbox;
  private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>();
  /** Fire-and-forget raw-event bodies of the current socket read, in arrival order. */
  private final RawEventGathering rawEvents;
  private boolean closed;
  /** Closed by this bridge (its reason counted then), not by the peer or the server's idle timeout. */
  private boolean closedHere;
  private long lastFrameMs;
  /** The session id of the last event read on this connection, handed to the next one when its text is the same. */
  private String lastSession;
  private int refusedFrames;
  /**
   * A frame of this connection carried the token: from then on its large frames are given room in the old generation
   * before their buffer is made ({@link #body}). Until then a large frame's length, read before its token can be, is
   * no reason for a collection or for keeping the keeper's collections waiting: a peer without the token could
   * otherwise cost a full collection with every frame header it sends.
   */
  private boolean admitted;
  /** The current read had a frame that is not a fire-and-forget raw event. */
  private boolean otherFrames;
  /** Reasons reading is paused for (the budget, a full output): the socket reads again when none is left. */
  private int pauses;
  private final ConnectionOutput output;
  /** Rests between reads; null when the socket's channel is not reachable (a Vert.x without the rests' transport). */
  private final ReadRests.Rest rest;

  TcpConnection(TcpBridge bridge, NetSocket socket, ReadRests.Rest rest) {
    this.rest = rest;
    this.bridge = bridge;
    this.bus = bridge.vertx.eventBus();
    this.context = bridge.vertx.getOrCreateContext();
    this.rawEvents = new RawEventGathering(bridge.receiver);
    this.lastFrameMs = bridge.clock.millis();
    this.socket = socket;
    this.framing = new TcpFraming(bridge.limit, bridge.budget, this, this::onFrame, this::body, this::refuse);
    this.output = new ConnectionOutput(bridge.clock, bridge.outputBudget, this);
    this.outbox = new FrameOutbox(context, socket, FrameOutbox.LENGTH_PREFIXED, output);
  }

  void start() {
    bridge.open.add(this);
    socket.handler(this::onBytes);
    socket.closeHandler(v -> onClosed());
    socket.exceptionHandler(err -> {
      TcpBridge.LOG.debug("TCP bridge: connection from {}: {}", socket.remoteAddress(), err.toString());
      close();
    });
  }

  /**
   * The frames of one socket read; the raw events among them reach the receiver as one message. A read that brought
   * raw events and ended between frames is followed by a rest: the producer's next writes wait in the kernel and come
   * in one read. A read that brought anything else (a request, a ping) is not: its client may be waiting for the
   * answer to write more.
   */
  private void onBytes(Buffer chunk) {
    framing.handle(chunk);
    boolean onlyRawEvents = rawEvents.endOfRead() && !otherFrames;
    otherFrames = false;
    if (rest != null && onlyRawEvents && pauses == 0 && !closed && framing.betweenFrames()) {
      rest.afterRead();
    }
  }

  @Override
  public void pause() {
    if (pauses++ == 0) {
      socket.pause();
      if (rest != null) {
        rest.hold();
      }
    }
  }

  @Override
  public void resume() {
    if (--pauses == 0) {
      lastFrameMs = bridge.clock.millis();
      socket.resume();
      if (rest != null) {
        rest.release();
      }
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

  void check(long now) {
    if (closed) {
      return;
    }
    // Not idle while the module itself stopped reading it (for the input budget, or for its unread output: the
    // slow-consumer rule decides that); its time to be idle starts again when reading resumes.
    if (pauses == 0 && now - lastFrameMs >= bridge.idleMs) {
      bridge.drops.drop("idle", "TCP bridge: closing connection from " + socket.remoteAddress() + ": no frame for "
        + (now - lastFrameMs) + " ms (bridge_idle_timeout_seconds)");
      close();
    } else if (output.tooSlow(now)) {
      bridge.drops.drop("slow_consumer", "TCP bridge: closing connection from " + socket.remoteAddress() + ": "
        + output.pendingBytes() + " bytes unread, none taken for " + (now - output.lastWrittenMs()) + " ms");
      close();
    }
  }

  /** Null when the frame is handled; a future when it is read on a worker thread ({@link #readLarge}). */
  private Future<?> onFrame(Buffer bytes) {
    lastFrameMs = bridge.clock.millis();
    if (bytes.length() > TcpFrameJson.ARRAY_PARSE_BYTES) {
      return readLarge(bytes);
    }
    TcpFrameJson.RawEventFrame read = bridge.json.rawEvent(bytes, lastSession);
    if (read != null) {
      lastSession = read.event().sessionId();
    }
    if (read != null && gathered(read, bytes)) {
      return null;
    }
    otherFrames = true;
    route(bridge.json.parse(bytes));
    return null;
  }

  /**
   * The buffer a frame split across reads is gathered in: a large one (read on the worker for large frames in turn)
   * is made on that worker too, with room made for it there ({@link OldGenerationRoom}) once the connection has sent
   * the token ({@link #admitted}), so that the allocation of a screenshot's frame, which goes straight to the old
   * generation, never starts a full collection on the event loop.
   */
  private Future<Buffer> body(int length) {
    if (length <= TcpFrameJson.ARRAY_PARSE_BYTES) {
      return Future.succeededFuture(Buffer.buffer(length));
    }
    boolean room = admitted;
    return bridge.largeFrames.executeBlocking(() -> {
      if (room) {
        bridge.oldGenerationRoom.makeForFrame(length);
      }
      return Buffer.buffer(length);
    }, false);
  }

  /** What a worker thread made of a large frame: its JSON, or why it was not read. */
  private record LargeFrame(JsonObject json, boolean denied) {
    static final LargeFrame MALFORMED = new LargeFrame(null, false);
    static final LargeFrame DENIED = new LargeFrame(null, true);
  }

  /**
   * A large frame (a screenshot: its base64 image is decoded while it is read, several milliseconds a megabyte) is
   * read on the bridge's worker for large frames, never on the event loop; the framing reads nothing more of this
   * connection until it is handled here, so frames keep their order. One without the token is refused from its type
   * and token alone, never built.
   */
  private Future<?> readLarge(Buffer bytes) {
    // Let go of once read: nothing keeps the frame's bytes while the record is handled.
    Buffer[] frame = {bytes};
    return bridge.largeFrames.executeBlocking(() -> readLarge(frame), false).andThen(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed()) {
        TcpBridge.LOG.debug("TCP bridge: a large frame from {} could not be read: {}", socket.remoteAddress(),
          ar.cause().toString());
        route(null);
      } else if (ar.result().denied()) {
        denied();
      } else {
        route(ar.result().json());
      }
    });
  }

  /** On the worker: the frame's JSON, its bytes let go of ({@code frame[0]} cleared) before it returns. */
  private LargeFrame readLarge(Buffer[] frame) {
    Buffer bytes = frame[0];
    frame[0] = null;
    TcpFrameJson.Head head = bridge.json.head(bytes);
    if (head == null) {
      return LargeFrame.MALFORMED;
    }
    if (!"ping".equals(head.type()) && !bridge.token.admits(head.token())) {
      return LargeFrame.DENIED;
    }
    JsonObject json = bridge.json.parse(bytes);
    return json == null ? LargeFrame.MALFORMED : new LargeFrame(json, false);
  }

  /** A frame read as JSON (null when it is not a JSON object): answered, or routed by its type. */
  private void route(JsonObject frame) {
    if (frame == null) {
      refuse(new TcpFraming.Refusal("malformed_frame", "frame is not a JSON object"));
      return;
    }
    String type = frame.getValue("type") instanceof String t ? t : null;
    if ("ping".equals(type)) {
      write(new JsonObject().put("type", "pong"));
      return;
    }
    if (!bridge.token.admits(frame)) {
      denied();
      return;
    }
    admitted = true;
    String address = frame.getValue("address") instanceof String a ? a : null;
    if (type == null || !TcpBridge.FRAME_TYPES.contains(type)) {
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
    if (!("publish".equals(read.type()) || "send".equals(read.type())) || !bridge.token.admits(read.token())
      || !BridgeAllowList.INBOUND.contains(read.address())) {
      return false;
    }
    admitted = true;
    return rawEvents.gathered(read.address(), new Predecoded(read.event(), () -> {
      JsonObject frame = bridge.json.parse(bytes);
      return frame == null ? null : frame.getValue("body");
    }));
  }

  private void send(String address, JsonObject frame) {
    if (!BridgeAllowList.INBOUND.contains(address)) {
      error(TcpBridge.ACCESS_DENIED);
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
      error(TcpBridge.ACCESS_DENIED);
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
      error(TcpBridge.ACCESS_DENIED);
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
      error(TcpBridge.ACCESS_DENIED);
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
    error(TcpBridge.ACCESS_DENIED);
    if (++refusedFrames >= TcpBridge.MAX_REFUSED_FRAMES) {
      bridge.drops.drop("unauthorized", "TCP bridge: closing connection from " + socket.remoteAddress() + ": "
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
      bridge.drops.drop("slow_consumer", "TCP bridge: message to " + frame.getString("address") + " for "
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
    bridge.drops.drop(refusal.reason(), "TCP bridge: closing connection from " + socket.remoteAddress() + ": "
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
    if (!closed && !closedHere && pauses == 0 && bridge.clock.millis() - lastFrameMs >= bridge.idleMs) {
      // Closed by the server's own idle timeout before the sweep came to it: the same end, counted the same way.
      bridge.drops.drop("idle", "TCP bridge: connection from " + socket.remoteAddress() + " closed: no frame for "
        + (bridge.clock.millis() - lastFrameMs) + " ms (bridge_idle_timeout_seconds)");
    }
    if (bridge.open.remove(this)) {
      bridge.connections.closed();
    }
    closed = true;
    framing.stop();
    output.close();
    outbox.close();
    registrations.values().forEach(MessageConsumer::unregister);
    registrations.clear();
  }
}
