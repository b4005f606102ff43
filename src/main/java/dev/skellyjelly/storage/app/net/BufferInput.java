package dev.skellyjelly.storage.app.net;

import io.vertx.core.buffer.Buffer;

import java.io.InputStream;

/** Reads a buffer in place: Vert.x 5 keeps a buffer's Netty memory internal, and a copy would double a large frame. */
final class BufferInput extends InputStream {
  private final Buffer buffer;
  private int position;

  BufferInput(Buffer buffer) {
    this.buffer = buffer;
  }

  @Override
  public int read() {
    return position < buffer.length() ? buffer.getByte(position++) & 0xFF : -1;
  }

  @Override
  public int read(byte[] into, int offset, int length) {
    int n = Math.min(length, buffer.length() - position);
    if (n <= 0) {
      return length == 0 ? 0 : -1;
    }
    buffer.getBytes(position, position + n, into, offset);
    position += n;
    return n;
  }
}
