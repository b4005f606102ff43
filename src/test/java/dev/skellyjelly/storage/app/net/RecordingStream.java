package dev.skellyjelly.storage.app.net;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** A socket that records what is written, with a write queue the test fills and drains. */
final class RecordingStream implements WriteStream<Buffer> {
  final List<Buffer> writes = new CopyOnWriteArrayList<>();
  final AtomicBoolean full = new AtomicBoolean();
  private Handler<Void> drain;
  private int expected = Integer.MAX_VALUE;
  /** Bytes written so far. */
  private long length;
  private final Promise<Void> filled = Promise.promise();

  /** Waits until at least this many bytes were written. */
  void awaitBytes(int length) throws Exception {
    synchronized (this) {
      expected = length;
      check();
    }
    filled.future().await(30, TimeUnit.SECONDS);
  }

  private synchronized void check() {
    if (length >= expected) {
      filled.tryComplete();
    }
  }

  Buffer bytes() {
    Buffer all = Buffer.buffer();
    writes.forEach(all::appendBuffer);
    return all;
  }

  void drain() {
    full.set(false);
    if (drain != null) {
      drain.handle(null);
    }
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public Future<Void> write(Buffer data) {
    // As a socket does, the bytes are copied out by the time the write completes: the writer may use its buffer again.
    writes.add(data.copy());
    synchronized (this) {
      length += data.length();
    }
    check();
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    return Future.succeededFuture();
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return full.get();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    drain = handler;
    return this;
  }
}
