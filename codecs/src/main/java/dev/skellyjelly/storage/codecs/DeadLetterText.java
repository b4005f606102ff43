package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    // Whatever the form (a string or an array may carry an image as base64 anywhere), no image text.
    return cutUtf8(withoutBase64(text), 1024);
  }

  /** The longest detail a dead letter carries, in characters. */
  static final int MAX_DETAIL_CHARS = 512;
  /** Runs of base64 characters this long or longer are taken for encoded bytes (a UUID's longest is 12). */
  static final int BASE64_RUN = 40;
  private static final Pattern BASE64_RUNS = Pattern.compile("[A-Za-z0-9+/_-]{" + BASE64_RUN + ",}=*");

  /** A dead letter's detail: at most {@link #MAX_DETAIL_CHARS} characters, no base64 run. */
  public static String detail(String detail) {
    String text = withoutBase64(String.valueOf(detail));
    return text.length() <= MAX_DETAIL_CHARS ? text : text.substring(0, MAX_DETAIL_CHARS) + "…";
  }

  /** {@code text} with each run of base64 characters replaced by its length. */
  static String withoutBase64(String text) {
    Matcher m = BASE64_RUNS.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    do {
      if (encoded(text, m.start(), m.end())) {
        out.append(text, at, m.start()).append("<").append(m.end() - m.start()).append(" base64 characters>");
        at = m.end();
      }
    } while (m.find());
    return out.append(text, at, text.length()).toString();
  }

  /**
   * Whether a run looks like encoded bytes: upper and lower case letters and digits together, as base64 of
   * random bytes has within a few dozen characters; a long word or a row of one letter does not.
   */
  private static boolean encoded(String text, int from, int to) {
    boolean upper = false;
    boolean lower = false;
    boolean digit = false;
    for (int i = from; i < to && !(upper && lower && digit); i++) {
      char c = text.charAt(i);
      upper |= c >= 'A' && c <= 'Z';
      lower |= c >= 'a' && c <= 'z';
      digit |= c >= '0' && c <= '9';
    }
    return upper && lower && digit;
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
