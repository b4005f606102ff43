package dev.skellyjelly.storage.app.net;

import io.vertx.core.json.JsonObject;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** TCP bridge frames on a plain socket's streams, for tests: written as the bridge writes them, read back whole. */
final class TcpTestFrames {

  private TcpTestFrames() {
  }

  /** The frame's bytes: its length, then its JSON ({@link TcpFraming#encode}). */
  static byte[] bytes(JsonObject frame) {
    return TcpFraming.encode(frame).getBytes();
  }

  static void write(OutputStream out, JsonObject frame) throws IOException {
    out.write(bytes(frame));
    out.flush();
  }

  static JsonObject read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] text = new byte[data.readInt()];
    data.readFully(text);
    return new JsonObject(new String(text, StandardCharsets.UTF_8));
  }
}
