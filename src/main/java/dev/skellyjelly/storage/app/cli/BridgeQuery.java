package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.codecs.Addresses;
import io.vertx.core.json.JsonObject;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * One GraphQL request to a running module over its TCP event-bus bridge (CONTRACT §5, §8), for a module that serves
 * no HTTP: Vert.x's framing both ways, a 4-byte big-endian length then UTF-8 JSON; the request is a {@code send} to
 * {@code skelly.storage.query} with the token header and a reply address, the answer the frame at that address.
 */
final class BridgeQuery {

  /** The largest reply frame read: the largest response (4 MB of JSON) and the frame around it. */
  static final int MAX_REPLY_BYTES = (4 << 20) + (64 << 10);
  private static final Duration CONNECT = Duration.ofSeconds(5);
  private static final Duration ANSWER = Duration.ofMinutes(5);

  private BridgeQuery() {
  }

  /** The response; {@link IllegalStateException} with a one-line reason when the bridge refuses or fails. */
  static JsonObject ask(String host, int port, String token, JsonObject request) throws IOException {
    String replyAddress = "skelly.cli.query." + UUID.randomUUID();
    JsonObject frame = new JsonObject().put("type", "send").put("address", Addresses.QUERY)
      .put("headers", new JsonObject().put("token", token)).put("body", request).put("replyAddress", replyAddress);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) CONNECT.toMillis());
      socket.setSoTimeout((int) ANSWER.toMillis());
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      byte[] payload = frame.encode().getBytes(StandardCharsets.UTF_8);
      out.writeInt(payload.length);
      out.write(payload);
      out.flush();
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
      while (true) {
        JsonObject reply = read(in);
        if ("err".equals(reply.getString("type"))) {
          throw new IllegalStateException("the TCP bridge refused the query: " + reply.getString("message"));
        }
        if (replyAddress.equals(reply.getString("address"))) {
          if (!(reply.getValue("body") instanceof JsonObject body)) {
            throw new IllegalStateException("the TCP bridge answered without a response: " + reply.encode());
          }
          return body;
        }
      }
    }
  }

  private static JsonObject read(DataInputStream in) throws IOException {
    int length;
    try {
      length = in.readInt();
    } catch (java.io.EOFException closed) {
      throw new IllegalStateException("the TCP bridge closed the connection before answering (wrong token?)");
    }
    if (length < 2 || length > MAX_REPLY_BYTES) {
      throw new IllegalStateException("the TCP bridge sent a frame of " + length + " bytes");
    }
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new JsonObject(new String(payload, StandardCharsets.UTF_8));
  }
}
