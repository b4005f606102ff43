package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text a dead letter shows of a rejected input: small (at most 1024 bytes of UTF-8, a field at most
 * 128 characters), never an image's bytes, and made without deep recursion, whatever the input.
 */
public final class DeadLetterText {

  private DeadLetterText() {
  }

  /**
   * What a dead letter shows of a rejected input: its text, an image replaced by its length, cut at 1024
   * bytes of UTF-8.
   */
  public static String describeInput(Object body) {
    String text;
    if (body instanceof JsonObject json) {
      // Encoding is recursive: an input nested hundreds of levels deep would overflow an event loop's stack.
      JsonObject shown = (JsonObject) shallow(json, DESCRIBE_DEPTH);
      Object data = shown.getValue("data");
      if (data instanceof JsonObject d && d.containsKey("image")) {
        d.put("image", "<" + imageLength(json.getJsonObject("data").getValue("image")) + " bytes>");
      }
      text = shown.encode();
    } else if (body instanceof RawEvent e) {
      JsonObject json = EventJson.encode(e.withoutImage());
      if (e.data() instanceof Screenshot s && s.image() != null) {
        json.getJsonObject("data").put("image", "<" + s.image().length + " bytes>");
      }
      text = json.encode();
    } else if (body instanceof Buffer b) {
      text = "<" + b.length() + " bytes>";
    } else if (body instanceof byte[] b) {
      text = "<" + b.length + " bytes>";
    } else {
      text = String.valueOf(body);
    }
    return cutUtf8(text, 1024);
  }

  /** Levels of nesting a dead letter shows of its input; deeper values are elided. */
  static final int DESCRIBE_DEPTH = 16;

  /** A copy of {@code v} at most {@code depth} levels deep (bounded recursion), deeper containers elided. */
  private static Object shallow(Object v, int depth) {
    if (v instanceof JsonObject o) {
      if (depth == 0) {
        return "<object nested too deeply>";
      }
      Map<String, Object> out = new LinkedHashMap<>(Math.max(4, o.size() * 2));
      for (Map.Entry<String, Object> e : o) {
        out.put(e.getKey(), shallow(e.getValue(), depth - 1));
      }
      return new JsonObject(out);
    }
    if (v instanceof JsonArray a) {
      if (depth == 0) {
        return "<array nested too deeply>";
      }
      List<Object> out = new ArrayList<>(a.size());
      for (Object e : a) {
        out.add(shallow(e, depth - 1));
      }
      return new JsonArray(out);
    }
    return v;
  }

  private static long imageLength(Object image) {
    if (image instanceof String s) {
      return (long) s.replace("=", "").length() * 3 / 4;
    }
    if (image instanceof byte[] b) {
      return b.length;
    }
    if (image instanceof Buffer b) {
      return b.length();
    }
    return 0;
  }

  /** Text from an input, shortened so a dead letter stays small (at most 128 characters). */
  public static String cutForDisplay(String s) {
    return s.length() <= 128 ? s : s.substring(0, 128);
  }

  static String cutUtf8(String text, int maxBytes) {
    if (text.length() * 3 <= maxBytes) {
      return text;
    }
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= maxBytes) {
      return text;
    }
    int end = maxBytes;
    while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(utf8, 0, end, StandardCharsets.UTF_8);
  }
}
