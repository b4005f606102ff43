package dev.skellyjelly.storage.app.net;

import com.fasterxml.jackson.core.Base64Variant;
import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.skellyjelly.storage.codecs.EventJsonReader;
import dev.skellyjelly.storage.codecs.RawEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * A TCP bridge frame's JSON, read by a parser of the bridge's own whose limits are Jackson
 * {@link StreamReadConstraints}: at most {@link #MAX_DEPTH} levels of nesting, strings no longer than a frame,
 * numbers of at most Jackson's default 1000 digits; comments allowed, as Vert.x's own codec allows them.
 *
 * <p>The base64 text of {@code body.data.image} is decoded straight into bytes while parsing, never held as a
 * String: a maximum-size screenshot's base64 would cost ~90 MB of transient chars and strings. When it is base64 in
 * neither alphabet the frame is read the plain way, so the receiver dead-letters it as bad_image.
 *
 * <p>Every other string is at most {@link #MAX_STRING_CHARS} long: Jackson gathers a string's characters before
 * making it, so a frame of one 20 MB string held ~100 MB of heap for a moment. And a large frame's type and token
 * can be read ({@link #head}) without building anything, so a frame without the token costs no more than its bytes.
 */
final class TcpFrameJson {

  /**
   * Deepest nesting of a frame (the frame object is level 1); deeper frames are refused as malformed. Vert.x copies
   * a JSON body on local delivery recursively: past a few hundred levels that would overflow the event loop's stack
   * and the message would vanish. No contract message comes close to this depth.
   */
  static final int MAX_DEPTH = 64;
  /**
   * Longest string of a frame (but a base64 image, decoded straight into bytes), in characters. No contract field
   * comes close (titles are at most 4096 characters); a longer string makes the frame malformed.
   */
  static final int MAX_STRING_CHARS = 1 << 20;

  /** What admission needs of a frame: its {@code type} and {@code headers.token}, each null when absent. */
  record Head(String type, String token) {
  }

  /** A fire-and-forget frame whose body was read straight into a raw event ({@link #rawEvent}). */
  record RawEventFrame(String type, String address, String token, RawEvent event) {
  }

  private static final List<Base64Variant> IMAGE_ALPHABETS = List.of(
    Base64Variants.MIME_NO_LINEFEEDS.withReadPadding(Base64Variant.PaddingReadBehaviour.PADDING_ALLOWED),
    Base64Variants.MODIFIED_FOR_URL.withReadPadding(Base64Variant.PaddingReadBehaviour.PADDING_ALLOWED));

  private final JsonFactory factory;

  /** {@code maxFrameBytes}: the largest frame the framing lets through. */
  TcpFrameJson(long maxFrameBytes) {
    StreamReadConstraints limits = StreamReadConstraints.builder()
      .maxNestingDepth(MAX_DEPTH)
      .maxStringLength((int) Math.min(MAX_STRING_CHARS, maxFrameBytes))
      .maxNumberLength(StreamReadConstraints.DEFAULT_MAX_NUM_LEN)
      .build();
    factory = JsonFactory.builder().streamReadConstraints(limits).enable(JsonReadFeature.ALLOW_JAVA_COMMENTS).build();
  }

  /** The frame as a JSON object; null when it is not JSON, not an object, or over a limit. */
  JsonObject parse(Buffer bytes) {
    for (Base64Variant alphabet : IMAGE_ALPHABETS) {
      try {
        return parse(bytes, alphabet);
      } catch (NotInAlphabet tryNext) {
        // The image is base64 in another alphabet, or in none.
      } catch (IOException | RuntimeException notJson) {
        return null;
      }
    }
    try {
      return parse(bytes, null);
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  /**
   * A frame up to this size is parsed from a copy of its bytes: a parser over an array reads it in place, where one
   * over a stream copies it through a buffer of its own, which cost more than the copy (every event's frame is a
   * few hundred bytes). A larger frame (a screenshot) is read in place, never copied whole.
   */
  static final int ARRAY_PARSE_BYTES = 16 * 1024;

  /**
   * The frame's type and token, every other value skipped unread (Jackson skips a string without gathering it);
   * null when the frame does not start as a JSON object or breaks off before its type and headers were read.
   */
  Head head(Buffer bytes) {
    try (JsonParser p = factory.createParser(new BufferInput(bytes))) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String type = null;
      String token = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("type") && value == JsonToken.VALUE_STRING) {
          type = p.getText();
        } else if (name.equals("headers") && value == JsonToken.START_OBJECT) {
          for (JsonToken h = p.nextToken(); h == JsonToken.FIELD_NAME; h = p.nextToken()) {
            String header = p.currentName();
            if (p.nextToken() == JsonToken.VALUE_STRING && header.equals(BridgeToken.HEADER)) {
              token = p.getText();
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
      return new Head(type, token);
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  /**
   * The frame of a fire-and-forget event (at most {@link #ARRAY_PARSE_BYTES}) read with no tree in between: its
   * {@code type}, {@code address} and {@code headers.token} and its body as a record ({@link EventJsonReader}).
   * Null for any other frame (a request, a body the reader leaves to the checking decoder, anything unusual), which
   * is then {@link #parse}d. An event of session {@code knownSession} (the connection's last) gets that very string
   * ({@link EventJsonReader#read(JsonParser, String)}).
   */
  RawEventFrame rawEvent(Buffer bytes, String knownSession) {
    if (bytes.length() > ARRAY_PARSE_BYTES) {
      return null;
    }
    try (JsonParser p = factory.createParser(bytes.getBytes())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String type = null;
      String address = null;
      String token = null;
      RawEvent event = null;
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken value = p.nextToken();
        switch (name) {
          case "type", "address" -> {
            if (value != JsonToken.VALUE_STRING) {
              return null;
            }
            if (name.equals("type")) {
              type = p.getText();
            } else {
              address = p.getText();
            }
          }
          case "replyAddress" -> {
            if (value != JsonToken.VALUE_NULL) {
              return null;
            }
          }
          case "headers" -> {
            if (value != JsonToken.START_OBJECT) {
              return null;
            }
            for (String header = p.nextFieldName(); header != null; header = p.nextFieldName()) {
              JsonToken h = p.nextToken();
              if (header.equals(BridgeToken.HEADER)) {
                token = h == JsonToken.VALUE_STRING ? p.getText() : null;
              } else {
                p.skipChildren();
              }
            }
          }
          case "body" -> {
            if ((event = EventJsonReader.read(p, knownSession)) == null) {
              return null;
            }
          }
          default -> p.skipChildren();
        }
      }
      return p.nextToken() == null && event != null ? new RawEventFrame(type, address, token, event) : null;
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  /** {@code alphabet} null: the image is read as text. */
  private JsonObject parse(Buffer bytes, Base64Variant alphabet) throws IOException {
    try (JsonParser p = bytes.length() <= ARRAY_PARSE_BYTES ? factory.createParser(bytes.getBytes())
      : factory.createParser(new BufferInput(bytes))) {
      Object value = readValue(p, p.nextToken(), Where.FRAME, alphabet == null ? null : new ImageRead(alphabet, bytes));
      return p.nextToken() == null && value instanceof JsonObject frame ? frame : null;
    }
  }

  /** Where in a frame a value sits, as far as finding {@code body.data.image} needs to know. */
  private enum Where {
    FRAME, BODY, DATA, IMAGE, ELSEWHERE;

    Where child(String name) {
      return this == FRAME && name.equals("body") ? BODY : this == BODY && name.equals("data") ? DATA
        : this == DATA && name.equals("image") ? IMAGE : ELSEWHERE;
    }
  }

  /** Recursion is bounded by the factory's nesting limit, which the parser checks before each level. */
  private static Object readValue(JsonParser p, JsonToken t, Where where, ImageRead image) throws IOException {
    if (t == null) {
      throw new IOException("unexpected end");
    }
    switch (t) {
      case START_OBJECT: {
        JsonObject o = new JsonObject();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
          String name = p.currentName();
          o.put(name, readValue(p, p.nextToken(), where.child(name), image));
        }
        return o;
      }
      case START_ARRAY: {
        JsonArray a = new JsonArray();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
          a.add(readValue(p, n, Where.ELSEWHERE, image));
        }
        return a;
      }
      case VALUE_STRING:
        return where == Where.IMAGE && image != null ? image.bytes(p) : p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return p.getNumberType() == JsonParser.NumberType.BIG_DECIMAL ? p.getDecimalValue() : p.getDoubleValue();
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

  /**
   * Decodes the image in one alphabet into an array of its final size, found from the frame's bytes before the text
   * is read: the bytes between the string's quotes, less padding (Jackson's own way gathers the bytes in segments and
   * then copies them, two arrays of a screenshot's size). A string the count cannot foresee (an escape in it) is
   * decoded into a growing array, as exactly.
   */
  private record ImageRead(Base64Variant alphabet, Buffer frame) {

    byte[] bytes(JsonParser p) throws IOException {
      int size = decodedSize(frame, p.currentTokenLocation().getByteOffset());
      ImageBytes out = new ImageBytes(size < 0 ? 1 << 16 : size);
      try {
        p.readBinaryValue(alphabet, out);
      } catch (JsonProcessingException | IllegalArgumentException e) {
        throw new NotInAlphabet();
      }
      return out.bytes();
    }
  }

  /**
   * The number of bytes the base64 string whose opening quote is at {@code quote} decodes to, when that can be told
   * from its length alone (no escape in it); -1 otherwise.
   */
  static int decodedSize(Buffer frame, long quote) {
    if (quote < 0 || quote >= frame.length() || frame.getByte((int) quote) != '"') {
      return -1;
    }
    int from = (int) quote + 1;
    int end = QuoteScan.find(frame, from);
    if (end < 0 || frame.getByte(end) != '"') {
      return -1;
    }
    int padding = 0;
    while (padding < 2 && end - padding > from && frame.getByte(end - padding - 1) == '=') {
      padding++;
    }
    long chars = end - from;
    long size = chars / 4 * 3 + Math.max(0, chars % 4 - 1) - padding;
    return size < 0 || size > Integer.MAX_VALUE - 8 ? -1 : (int) size;
  }

  /** The decoded image: an array of the foreseen size, grown only when the text held more than foreseen. */
  private static final class ImageBytes extends OutputStream {
    private byte[] bytes;
    private int count;

    ImageBytes(int size) {
      bytes = new byte[size];
    }

    @Override
    public void write(int b) {
      if (count == bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(1, bytes.length * 2));
      }
      bytes[count++] = (byte) b;
    }

    @Override
    public void write(byte[] from, int offset, int length) {
      if (count + length > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(count + length, bytes.length * 2));
      }
      System.arraycopy(from, offset, bytes, count, length);
      count += length;
    }

    byte[] bytes() {
      return count == bytes.length ? bytes : Arrays.copyOf(bytes, count);
    }
  }

  /** The image's text is not base64 in the alphabet tried. */
  private static final class NotInAlphabet extends IOException {
    NotInAlphabet() {
      super("not base64 in this alphabet", null);
    }
  }
}
