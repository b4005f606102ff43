package dev.skellyjelly.storage.app.net;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * Between a TCP bridge frame and the bus, as Vert.x's bridge protocol has it: a frame's headers as delivery options
 * (never the token), a message's headers as a frame's, and the {@code err} frame.
 */
final class BridgeFrames {

  private BridgeFrames() {
  }

  static JsonObject error(String message) {
    return new JsonObject().put("type", "err").put("message", message);
  }

  /** The frame's headers as message headers, without the token; {@code timeout} as the request timeout. */
  static DeliveryOptions delivery(JsonObject frame) {
    DeliveryOptions options = new DeliveryOptions();
    if (frame.getValue("headers") instanceof JsonObject headers) {
      for (Map.Entry<String, Object> h : headers) {
        String name = h.getKey();
        Object value = h.getValue();
        if (name.equals(BridgeToken.HEADER) || value == null) {
          continue;
        }
        if (name.equals("timeout") && value instanceof Number ms && ms.longValue() > 0) {
          options.setSendTimeout(ms.longValue());
        } else if (!name.equals("localOnly") && !name.equals("codecName")) {
          options.addHeader(name, value.toString());
        }
      }
    }
    return options;
  }

  /**
   * The frame's {@code body} as it is held: {@link JsonObject#getValue} would make bytes (a screenshot's image in a
   * fetch's reply) base64 text, some 18 MB for a 5 MB image, to be looked at and let go of. A map held raw is
   * wrapped, as {@code getValue} would.
   */
  static Object body(JsonObject frame) {
    return held(frame.getMap().get("body"));
  }

  /**
   * A value as a JSON object holds it, but a map or a list held raw wrapped as {@link JsonObject#getValue} would wrap
   * it; bytes stay bytes.
   */
  @SuppressWarnings("unchecked")
  static Object held(Object value) {
    if (value instanceof Map<?, ?> m) {
      return new JsonObject((Map<String, Object>) m);
    }
    return value instanceof List<?> l ? new JsonArray(l) : value;
  }

  /** A message's headers as a frame's {@code headers}. */
  static JsonObject headers(Message<?> msg) {
    JsonObject out = new JsonObject();
    msg.headers().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }
}
