package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster's secrets as the person's other modules find them beside the database. */
class ClusterMembershipTest {

  @TempDir
  Path dir;

  private StorageConfig config(String name) {
    return StorageConfig.from(List.of(Map.of(ConfigKeys.DATABASE_PATH, dir.resolve("db/events.db").toString(),
      ConfigKeys.CLUSTER_NAME, name)), dir.toString());
  }

  private static String mode(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  @Test
  void withoutANameARandomOneIsWrittenOwnerOnlyAndReused() throws Exception {
    ClusterMembership first = ClusterMembership.resolve(config(""));
    Path file = dir.resolve("db").resolve(ClusterMembership.NAME_FILE);
    assertEquals(first.name(), Files.readString(file).strip());
    assertTrue(first.name().matches("[A-Za-z0-9_-]{32}"), "192 random bits, url-safe base64: " + first.name());
    assertEquals("rw-------", mode(file));

    // Someone made it readable to others: the next start tightens it and keeps the name.
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    ClusterMembership second = ClusterMembership.resolve(config(""));
    assertEquals(first.name(), second.name());
    assertEquals("rw-------", mode(file));

    // Another database gets a name of its own.
    StorageConfig other = StorageConfig.from(List.of(Map.of(ConfigKeys.DATABASE_PATH,
      dir.resolve("other/events.db").toString())), dir.toString());
    assertNotEquals(first.name(), ClusterMembership.resolve(other).name());
  }

  @Test
  void anEmptiedNameFileGetsANewName() throws Exception {
    ClusterMembership.resolve(config(""));
    Path file = dir.resolve("db").resolve(ClusterMembership.NAME_FILE);
    Files.writeString(file, "  \n");
    String name = ClusterMembership.resolve(config("")).name();
    assertEquals(32, name.length());
    assertEquals(name, Files.readString(file).strip());
  }

  @Test
  void aConfiguredNameIsUsedAndNoNameFileWritten() throws Exception {
    ClusterMembership m = ClusterMembership.resolve(config("my own secret"));
    assertEquals("my own secret", m.name());
    assertFalse(Files.exists(dir.resolve("db").resolve(ClusterMembership.NAME_FILE)));
  }

  @Test
  void theKeystoreIsOneOwnerOnlyKeyPairMadeOnceAndKept() throws Exception {
    ClusterMembership m = ClusterMembership.resolve(config(""));
    assertEquals(dir.resolve("db").resolve(ClusterMembership.KEYSTORE_FILE).toAbsolutePath(), m.keystore());
    assertEquals("rw-------", mode(m.keystore()));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(m.keystore())) {
      ks.load(in, ClusterMembership.KEYSTORE_PASSWORD.toCharArray());
    }
    List<String> aliases = Collections.list(ks.aliases());
    assertEquals(1, aliases.size(), aliases.toString());
    PrivateKey key = (PrivateKey) ks.getKey(aliases.get(0), ClusterMembership.KEYSTORE_PASSWORD.toCharArray());
    assertEquals("EC", key.getAlgorithm());
    X509Certificate cert = (X509Certificate) ks.getCertificate(aliases.get(0));
    cert.verify(cert.getPublicKey());
    cert.checkValidity();
    // Nothing of keytool's work is left beside the database.
    try (var left = Files.list(dir.resolve("db"))) {
      assertEquals(List.of(ClusterMembership.NAME_FILE, ClusterMembership.KEYSTORE_FILE),
        left.map(p -> p.getFileName().toString()).sorted().toList());
    }

    byte[] bytes = Files.readAllBytes(m.keystore());
    ClusterMembership.resolve(config(""));
    assertArrayEquals(bytes, Files.readAllBytes(m.keystore()), "the same key pair on the next start");
  }

  @Test
  void theEventBusRequiresTlsWithTheKeystoreBothWays() throws Exception {
    ClusterMembership m = ClusterMembership.resolve(config("n"));
    EventBusOptions o = m.secure(new EventBusOptions());
    assertTrue(o.isSsl());
    assertEquals(ClientAuth.REQUIRED, o.getClientAuth());
    assertEquals(o.getKeyCertOptions(), o.getTrustOptions());
    assertEquals(java.util.Set.of("TLSv1.3"), o.getEnabledSecureTransportProtocols());
    assertEquals(java.util.Set.of("TLS_CHACHA20_POLY1305_SHA256"), o.getEnabledCipherSuites());
  }
}
