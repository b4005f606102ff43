package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The bridge token (CONTRACT §5): where it comes from ({@code bridge_token}, else the {@code bridge.token} file
 * beside the database) and whether a frame carries it. A web page cannot know it, so no frame of its gets through.
 */
public final class BridgeToken {

  /** The frame header that must carry the token. */
  public static final String HEADER = "token";
  /** Written beside the database when {@code bridge_token} is empty. */
  public static final String FILE = "bridge.token";

  private final byte[] secret;

  private BridgeToken(String token) {
    this.secret = token.getBytes(StandardCharsets.UTF_8);
  }

  public static BridgeToken of(String token) {
    return new BridgeToken(token);
  }

  /**
   * {@code bridge_token} when set; else the token in {@code bridge.token} beside the database, created (random,
   * 256 bits, mode 0600) the first time and reused afterwards. Blocking file I/O: for start-up, off any event loop.
   */
  public static BridgeToken resolve(StorageConfig config) throws IOException {
    if (!config.bridgeToken().isEmpty()) {
      return of(config.bridgeToken());
    }
    return of(OwnerOnlyFile.text(OwnerOnlyFile.besideDatabase(config, FILE), 256));
  }

  /** The token itself, for the one place that shows it to its owner: the inspector page's address on stderr. */
  public String text() {
    return new String(secret, StandardCharsets.UTF_8);
  }

  /** True when an HTTP {@code Authorization} header (null when absent) is {@code Bearer <this token>}. */
  public boolean admitsBearer(String authorization) {
    String scheme = "Bearer ";
    return authorization != null && authorization.regionMatches(true, 0, scheme, 0, scheme.length())
      && admits(authorization.substring(scheme.length()).strip());
  }

  /** True when the frame's {@code headers.token} is this token (compared in constant time). */
  boolean admits(JsonObject frame) {
    Object headers = frame.getValue("headers");
    return headers instanceof JsonObject h && h.getValue(HEADER) instanceof String given && admits(given);
  }

  /** True when {@code given} (a frame's token, null when it had none) is this token, compared in constant time. */
  boolean admits(String given) {
    return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), secret);
  }
}
