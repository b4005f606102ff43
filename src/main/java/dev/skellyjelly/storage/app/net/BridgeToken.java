package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The bridge token (CONTRACT §5): where it comes from ({@code bridge_token}, else the {@code bridge.token} file
 * beside the database) and whether a frame carries it. A web page cannot know it, so no frame of its gets through.
 */
public final class BridgeToken {

  /** The frame header that must carry the token. */
  public static final String HEADER = "token";
  /** Written beside the database when {@code bridge_token} is empty. */
  public static final String FILE = "bridge.token";

  private static final Logger LOG = LoggerFactory.getLogger(BridgeToken.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

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
    Path file = Path.of(config.databasePath()).toAbsolutePath().resolveSibling(FILE);
    Files.createDirectories(file.getParent());
    for (int attempt = 0; attempt < 2; attempt++) {
      if (Files.exists(file)) {
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!token.isEmpty()) {
          ownerOnly(file);
          return of(token);
        }
        Files.delete(file);
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      try {
        createOwnerOnly(file);
      } catch (FileAlreadyExistsException raced) {
        continue;
      }
      Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      LOG.info("bridge token written to {} (mode 0600)", file);
      return of(token);
    }
    throw new IOException("cannot create " + file);
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

  private static void createOwnerOnly(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    ownerOnly(file);
  }

  /** Also tightens a file someone made readable to others. */
  private static void ownerOnly(Path file) throws IOException {
    try {
      if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
        Files.setPosixFilePermissions(file, OWNER_ONLY);
      }
    } catch (UnsupportedOperationException notPosix) {
      // Not a POSIX file system: its default permissions apply.
    }
  }
}
