package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.util.function.BiConsumer;

/**
 * What every codec of the contract does: passes the immutable record itself within a JVM, and writes its
 * versioned wire form ({@link WireFormat}) between JVMs.
 */
public abstract class WireCodec<T> implements MessageCodec<T, T> {

  /** Reads a message of this type from a buffer at a position. */
  protected interface Reader<T> {
    T read(Buffer buffer, int pos);
  }

  private final String name;
  private final BiConsumer<Buffer, T> writer;
  private final Reader<T> reader;

  protected WireCodec(String name, BiConsumer<Buffer, T> writer, Reader<T> reader) {
    this.name = name;
    this.writer = writer;
    this.reader = reader;
  }

  @Override
  public final void encodeToWire(Buffer buffer, T value) {
    writer.accept(buffer, value);
  }

  @Override
  public final T decodeFromWire(int pos, Buffer buffer) {
    return reader.read(buffer, pos);
  }

  /** Records are immutable: the same instance. */
  @Override
  public final T transform(T value) {
    return value;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}
