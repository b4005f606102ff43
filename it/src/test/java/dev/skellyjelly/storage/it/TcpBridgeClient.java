package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A client of the module's TCP event-bus bridge, speaking it as a Rust module would: every frame is a 4-byte
 * big-endian length, then UTF-8 JSON ({@code type} send/publish/register/unregister/ping, {@code address},
 * {@code headers} with the {@code token}, {@code body}, {@code replyAddress}), both ways.
 *
 * <p>A reader thread keeps every frame received, in arrival order. A test takes frames selectively: the first
 * one not yet taken that matches, waiting up to a deadline. So a reply awaited first does not swallow a batch
 * that came before it, and a test can still ask, at the end, whether anything unexpected arrived at all.
 * When the server closes the connection, waits end at once.
 */
class TcpBridgeClient implements AutoCloseable {

  private final Socket socket;
  private final DataOutputStream out;
  private final String token;
  private final Thread reader;
  /** Every frame received, in order; also the monitor for {@link #taken} and {@link #closed}. */
  private final List<JsonObject> received = new ArrayList<>();
  private final BitSet taken = new BitSet();
  private boolean closed;
  /** Why and when reading ended (wall clock, to set beside the module's log), for a test's report. */
  private volatile String ending;
  private volatile long endedAtMs;
  /** Runs on the reading thread for every frame before it is kept: for answers that cannot wait for the test. */
  volatile Consumer<JsonObject> onFrame = f -> { };

  /** Connects to the bridge on loopback; frames built by {@link #frame} carry {@code token}. */
  static TcpBridgeClient connect(int port, String token) throws IOException {
    return new TcpBridgeClient(port, token);
  }

  TcpBridgeClient(int port, String token) throws IOException {
    this.token = token;
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setTcpNoDelay(true);
    out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
    DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
    reader = new Thread(() -> read(in), "tcp-bridge-client");
    reader.setDaemon(true);
    reader.start();
  }

  private void read(DataInputStream in) {
    try {
      while (true) {
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        JsonObject f = new JsonObject(new String(payload, StandardCharsets.UTF_8));
        onFrame.accept(f);
        synchronized (received) {
          received.add(f);
          received.notifyAll();
        }
      }
    } catch (IOException gone) {
      // The server closed the connection, or we did.
      ending = gone.toString();
    } catch (RuntimeException | Error unreadable) {
      // A frame this client could not read: the connection counts as closed, and why is kept for the report.
      ending = unreadable.toString();
    } finally {
      synchronized (received) {
        endedAtMs = System.currentTimeMillis();
        closed = true;
        received.notifyAll();
      }
    }
  }

  // ---------------------------------------------------------------- frames

  /** A frame with the token header; {@code body} (a JsonObject, or any JSON value) is left out when null. */
  JsonObject frame(String type, String address, Object body) {
    JsonObject f = new JsonObject().put("type", type).put("address", address)
      .put("headers", new JsonObject().put("token", token));
    return body == null ? f : f.put("body", body);
  }

  /**
   * The same frame as JSON text, its body given as JSON text: for bodies a JsonObject cannot hold (numbers beyond
   * a double, nesting beyond Jackson's limit). {@code body} and {@code replyAddress} are left out when null.
   */
  String frameText(String type, String address, String body, String replyAddress) {
    JsonObject f = frame(type, address, null);
    if (replyAddress != null) {
      f.put("replyAddress", replyAddress);
    }
    String head = f.encode();
    return body == null ? head : head.substring(0, head.length() - 1) + ",\"body\":" + body + "}";
  }

  // ---------------------------------------------------------------- sending

  void send(JsonObject frame) throws IOException {
    sendText(frame.encode());
  }

  /** A frame already encoded as JSON text. */
  synchronized void sendText(String frame) throws IOException {
    write(frame);
    out.flush();
  }

  /** Buffers a frame without sending it yet: a producer writes a tick's frames, then {@link #flush()}es once. */
  synchronized void write(String frame) throws IOException {
    byte[] b = frame.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  synchronized void flush() throws IOException {
    out.flush();
  }

  /** Bytes as they are: a broken length, a payload that is no JSON. */
  synchronized void raw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** For {@link #onFrame}, which may not throw checked exceptions. */
  void sendQuietly(JsonObject frame) {
    try {
      send(frame);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void publish(String address, Object body) throws IOException {
    send(frame("publish", address, body));
  }

  void send(String address, Object body) throws IOException {
    send(frame("send", address, body));
  }

  void register(String address) throws IOException {
    send(frame("register", address, null));
  }

  /** Sends a request; the predicate matches its reply (a message, or an err frame, at the reply address). */
  Predicate<JsonObject> sendRequest(String address, Object body, String replyAddress) throws IOException {
    send(frame("send", address, body).put("replyAddress", replyAddress));
    return replyTo(replyAddress);
  }

  /** A request that must succeed: its reply frame, a message. */
  JsonObject request(String address, Object body, String replyAddress) throws IOException, InterruptedException {
    JsonObject reply = await(sendRequest(address, body, replyAddress), 20);
    assertEquals("message", reply.getString("type"), reply.encode());
    return reply;
  }

  /**
   * A ping; the pong, or null if none came within the time. Frames of one connection are handled in order, so
   * the pong also says that everything sent before it (registrations, say) is in place.
   */
  JsonObject ping(int seconds) throws IOException, InterruptedException {
    send(new JsonObject().put("type", "ping"));
    return poll(type("pong"), seconds);
  }

  // ---------------------------------------------------------------- receiving

  static Predicate<JsonObject> type(String type) {
    return f -> type.equals(f.getString("type"));
  }

  /** A message (not an error) delivered to {@code address}: a batch, a dead letter. */
  static Predicate<JsonObject> message(String address) {
    return f -> "message".equals(f.getString("type")) && address.equals(f.getString("address"));
  }

  /** The reply to a request, whether a message or an err frame. */
  static Predicate<JsonObject> replyTo(String replyAddress) {
    return f -> replyAddress.equals(f.getString("address"));
  }

  static long deadline(int seconds) {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
  }

  /** Takes the first frame not yet taken that matches; null if none came within the time or the server closed. */
  JsonObject poll(Predicate<JsonObject> which, int seconds) throws InterruptedException {
    return pollUntil(which, deadline(seconds));
  }

  /** {@link #poll} against a deadline of {@link System#nanoTime()}, for loops that share one. */
  JsonObject pollUntil(Predicate<JsonObject> which, long deadline) throws InterruptedException {
    synchronized (received) {
      int from = 0;
      while (true) {
        for (int i = taken.nextClearBit(from); i < received.size(); i = taken.nextClearBit(i + 1)) {
          if (which.test(received.get(i))) {
            taken.set(i);
            return received.get(i);
          }
        }
        from = received.size();
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          return null;
        }
        received.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }

  /** Takes the first frame not yet taken that matches; fails, listing what came, if none came within the time. */
  JsonObject await(Predicate<JsonObject> which, int seconds) throws InterruptedException {
    JsonObject f = poll(which, seconds);
    if (f == null) {
      fail("no matching frame within " + seconds + " s (closed: " + isClosed() + "); got " + frames());
    }
    return f;
  }

  /** {@link #await} against a shared deadline. */
  JsonObject awaitUntil(Predicate<JsonObject> which, long deadline) throws InterruptedException {
    JsonObject f = pollUntil(which, deadline);
    if (f == null) {
      fail("no matching frame in time (closed: " + isClosed() + "); got " + frames());
    }
    return f;
  }

  /** Why reading ended, when, and after how many frames; "open" while it goes on. */
  String ending() {
    synchronized (received) {
      return closed ? ending + " at " + java.time.Instant.ofEpochMilli(endedAtMs) + " after " + received.size()
        + " frames" : "open";
    }
  }

  /** How many frames received so far match, taken or not. */
  long count(Predicate<JsonObject> which) {
    synchronized (received) {
      return received.stream().filter(which).count();
    }
  }

  /** How many frames received so far match and were not taken. */
  long pending(Predicate<JsonObject> which) {
    synchronized (received) {
      long n = 0;
      for (int i = taken.nextClearBit(0); i < received.size(); i = taken.nextClearBit(i + 1)) {
        n += which.test(received.get(i)) ? 1 : 0;
      }
      return n;
    }
  }

  /** Every frame received so far, each cut at 300 characters: for failure messages. */
  List<String> frames() {
    synchronized (received) {
      return received.stream().map(f -> {
        String s = f.encode();
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
      }).toList();
    }
  }

  int localPort() {
    return socket.getLocalPort();
  }

  boolean isClosed() {
    synchronized (received) {
      return closed;
    }
  }

  /** True once the server closed the connection, waiting up to {@code seconds} for it. */
  boolean closedByServer(int seconds) throws InterruptedException {
    reader.join(TimeUnit.SECONDS.toMillis(seconds));
    return isClosed();
  }

  /** Closes the socket and waits for the reader, so {@link #onFrame} runs no more. */
  @Override
  public void close() throws IOException {
    socket.close();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
