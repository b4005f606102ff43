package dev.skellyjelly.storage.app.net;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.spi.json.JsonCodec;

import java.io.IOException;

/**
 * Vert.x's JSON codec in this process, put in place through Vert.x's {@link io.vertx.core.spi.JsonFactory} service
 * ({@link Factory}, named in {@code META-INF/services}): Vert.x's own streaming Jackson codec, which encodes
 * exactly as before, decoding with a factory whose limits the module sets ({@link #admitStringsUpTo}).
 *
 * <p>Left to itself Vert.x takes its data-binding codec whenever Jackson's databind is on the class path (the TOML
 * configuration reader brings it), and building that codec's object mapper loads some 320 classes the module never
 * uses. Every JSON value the module hands Vert.x is a map, a list, a {@code JsonObject}/{@code JsonArray} or a
 * scalar, which the streaming codec writes and reads alike.
 */
public final class EdgeJsonCodec extends JacksonCodec {

  /** Decodes what Vert.x decodes: the SockJS bridge's frames, JSON events from a cluster peer, HTTP bodies. */
  private static final JsonFactory DECODING = JsonFactory.builder().build();

  static final EdgeJsonCodec INSTANCE = new EdgeJsonCodec();

  private EdgeJsonCodec() {
  }

  /**
   * Raises, never lowers, the longest string decoded to {@code maxChars}. Jackson refuses strings over 20 000 000
   * characters by default, fewer than the base64 of a maximum-size screenshot, so the codec must admit strings as
   * long as a bridge message. (The TCP bridge reads its frames with a parser of its own.)
   */
  public static synchronized void admitStringsUpTo(long maxChars) {
    StreamReadConstraints current = DECODING.streamReadConstraints();
    int wanted = (int) Math.min(Integer.MAX_VALUE, maxChars);
    if (current.getMaxStringLength() < wanted) {
      DECODING.setStreamReadConstraints(current.rebuild().maxStringLength(wanted).build());
    }
  }

  /** The longest string the codec decodes now. */
  public static int maxStringLength() {
    return DECODING.streamReadConstraints().getMaxStringLength();
  }

  /**
   * Vert.x's text, as {@link JacksonCodec} writes it; a published batch's JSON form (what a clustered consumer of
   * {@code skelly.event-batch.json} is sent) is written by {@link JsonSlices}, its events straight from their
   * records: the same bytes, in about a third of the time (the generic walk builds each event's object first).
   */
  @Override
  public Buffer toBuffer(Object object, boolean pretty) throws EncodeException {
    if (pretty || !(object instanceof JsonObject o) || !JsonSlices.isBatch(o)) {
      return super.toBuffer(object, pretty);
    }
    JsonSlices text = JsonSlices.batch(o, JsonSlices.Form.TO_BUFFER);
    while (!text.done()) {
      text.writeSlice(Integer.MAX_VALUE);
    }
    Buffer whole = Buffer.buffer(text.length());
    text.slices().forEach(whole::appendBuffer);
    return whole;
  }

  @Override
  public Object fromString(String text) throws DecodeException {
    return fromString(text, Object.class);
  }

  @Override
  public <T> T fromString(String text, Class<T> type) throws DecodeException {
    return JacksonCodec.fromParser(parser(text), type);
  }

  @Override
  public Object fromBuffer(Buffer bytes) throws DecodeException {
    return fromBuffer(bytes, Object.class);
  }

  @Override
  public <T> T fromBuffer(Buffer bytes, Class<T> type) throws DecodeException {
    return JacksonCodec.fromParser(parser(bytes), type);
  }

  private static JsonParser parser(String text) {
    try {
      return DECODING.createParser(text);
    } catch (IOException e) {
      throw new DecodeException("Failed to decode: " + e.getMessage(), e);
    }
  }

  private static JsonParser parser(Buffer bytes) {
    try {
      return DECODING.createParser(new BufferInput(bytes));
    } catch (IOException e) {
      throw new DecodeException("Failed to decode: " + e.getMessage(), e);
    }
  }

  /** The service Vert.x loads: first in order, so Vert.x's own (data-binding) choice is not made. */
  public static final class Factory implements io.vertx.core.spi.JsonFactory {

    @Override
    public int order() {
      return 0;
    }

    @Override
    public JsonCodec codec() {
      return INSTANCE;
    }
  }
}
