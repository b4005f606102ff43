package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The length of the JSON text Vert.x's byte generator makes of any value ({@link io.vertx.core.json.JsonObject#toBuffer()}),
 * written through such a generator into a counter that keeps nothing: for a value whose length must be known before
 * (or instead of) its text, such as a query's answer checked against its bound.
 */
public final class JsonTextLength {

  /** Built as Vert.x builds its own factory, so that the text counted is the text Vert.x writes. */
  private static final JsonFactory VERTX_FACTORY = JsonFactory.builder().build();

  private JsonTextLength() {
  }

  /** The bytes of {@code value}'s text. */
  public static long of(Object value) {
    Counter counter = new Counter();
    try (JsonGenerator gen = VERTX_FACTORY.createGenerator(counter)) {
      JacksonCodec.encodeJson(value, gen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return counter.count;
  }

  private static final class Counter extends OutputStream {
    private long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
