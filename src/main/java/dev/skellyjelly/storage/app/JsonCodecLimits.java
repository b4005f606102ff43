package dev.skellyjelly.storage.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.json.jackson.DatabindCodec;

/**
 * The one process-wide JSON setting, made once at start-up. Vert.x decodes every JSON message with one Jackson
 * factory: the SockJS bridge's frames, and events a cluster peer sends as JSON. Jackson refuses strings over
 * 20 000 000 characters by default, fewer than the base64 of a maximum-size screenshot, so that factory must admit
 * strings as long as a bridge message. (The TCP bridge reads its frames with a parser of its own.)
 */
public final class JsonCodecLimits {

  private JsonCodecLimits() {
  }

  /** Raises, never lowers, the longest string Vert.x's JSON codec reads to {@code maxChars}. */
  public static synchronized void admitStringsUpTo(long maxChars) {
    JsonFactory factory = DatabindCodec.mapper().getFactory();
    StreamReadConstraints current = factory.streamReadConstraints();
    int wanted = (int) Math.min(Integer.MAX_VALUE, maxChars);
    if (current.getMaxStringLength() < wanted) {
      factory.setStreamReadConstraints(current.rebuild().maxStringLength(wanted).build());
    }
  }
}
