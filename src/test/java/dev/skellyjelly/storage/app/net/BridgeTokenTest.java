package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the bridge token comes from, and which frames carry it. */
class BridgeTokenTest {

  @TempDir
  Path dir;

  private StorageConfig config(String token) {
    return StorageConfig.from(List.of(Map.of(ConfigKeys.DATABASE_PATH, dir.resolve("db/events.db").toString(),
      ConfigKeys.BRIDGE_TOKEN, token)), dir.toString());
  }

  private static JsonObject frame(Object token) {
    return new JsonObject().put("type", "send").put("headers", new JsonObject().put(BridgeToken.HEADER, token));
  }

  @Test
  void aConfiguredTokenIsUsedAndNoFileWritten() throws IOException {
    BridgeToken token = BridgeToken.resolve(config("s3cret-s3cret-s3cret-s3cret-s3cret"));
    assertTrue(token.admits(frame("s3cret-s3cret-s3cret-s3cret-s3cret")));
    assertFalse(Files.exists(dir.resolve("db").resolve(BridgeToken.FILE)));
  }

  @Test
  void withoutOneATokenFileIsWrittenOwnerOnlyBesideTheDatabaseAndReused() throws IOException {
    BridgeToken first = BridgeToken.resolve(config(""));
    Path file = dir.resolve("db").resolve(BridgeToken.FILE);
    String written = Files.readString(file).strip();
    assertEquals(43, written.length(), "256 random bits, base64url");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(first.admits(frame(written)));

    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    BridgeToken second = BridgeToken.resolve(config(""));
    assertTrue(second.admits(frame(written)), "the same token next time");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "tightened again");
  }

  @Test
  void onlyAFrameWhoseTokenHeaderIsTheTokenIsAdmitted() {
    BridgeToken token = BridgeToken.of("s3cret-s3cret-s3cret-s3cret-s3cret");
    assertTrue(token.admits(frame("s3cret-s3cret-s3cret-s3cret-s3cret")));
    assertFalse(token.admits(frame("s3cre")));
    assertFalse(token.admits(frame(42)));
    assertFalse(token.admits(new JsonObject().put("type", "send")));
    assertFalse(token.admits(new JsonObject().put("headers", "token=s3cret-s3cret-s3cret-s3cret-s3cret")));
  }

  @Test
  void onlyAnAuthorizationHeaderBearingTheTokenIsAdmitted() {
    BridgeToken token = BridgeToken.of("s3cret-s3cret-s3cret-s3cret-s3cret");
    assertEquals("s3cret-s3cret-s3cret-s3cret-s3cret", token.text());
    assertTrue(token.admitsBearer("Bearer s3cret-s3cret-s3cret-s3cret-s3cret"));
    assertTrue(token.admitsBearer("bearer s3cret-s3cret-s3cret-s3cret-s3cret"), "the scheme is case-insensitive");
    assertFalse(token.admitsBearer(null));
    assertFalse(token.admitsBearer(""));
    assertFalse(token.admitsBearer("s3cret-s3cret-s3cret-s3cret-s3cret"), "no scheme");
    assertFalse(token.admitsBearer("Basic s3cret-s3cret-s3cret-s3cret-s3cret"));
    assertFalse(token.admitsBearer("Bearer s3cret-s3cret-s3cret-s3cret-s3cre"));
    assertFalse(token.admitsBearer("Bearer "));
  }
}
