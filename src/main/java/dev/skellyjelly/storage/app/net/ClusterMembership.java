package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What makes a JVM a member of the person's cluster: the name Hazelcast checks on every join
 * ({@code cluster_name}, else a random one kept in {@code cluster.name} beside the database) and the
 * per-install key pair in {@code cluster.p12} beside it, which the clustered event bus requires of every peer
 * (mutual TLS). Both files are owner-only; the person's other modules read them from there.
 *
 * @param name     the Hazelcast cluster name
 * @param keystore the PKCS#12 keystore: the members' one key pair and certificate, also their only trust
 */
public record ClusterMembership(String name, Path keystore) {

  /** Holds the generated cluster name when {@code cluster_name} is empty. */
  public static final String NAME_FILE = "cluster.name";
  /** The members' key pair and self-signed certificate. */
  public static final String KEYSTORE_FILE = "cluster.p12";
  /**
   * PKCS#12 wants a password; the file's mode 0600 is what keeps the key to the person's account, so the
   * password is fixed and documented for the other modules.
   */
  public static final String KEYSTORE_PASSWORD = "skelly-cluster";
  /**
   * The event bus's only TLS cipher. The module runs with C1 only (conf/jvm.options), where the JDK's AES-GCM has
   * no intrinsics: measured 8–13 MB/s against ChaCha20-Poly1305's 44–49 MB/s, and AES-GCM took 70 % of the event
   * loop's samples during clustered ingest. The other end (any JDK 12+) offers it by default.
   */
  static final String CIPHER_SUITE = "TLS_CHACHA20_POLY1305_SHA256";
  /** Bits of a generated cluster name. */
  static final int NAME_BITS = 192;
  private static final long KEYTOOL_TIMEOUT_SECONDS = 60;
  private static final int KEYTOOL_OUTPUT_SHOWN = 1000;

  /**
   * The name and the keystore, each made once when missing. Blocking (file I/O, keytool as a child process):
   * for start-up, off any event loop.
   */
  public static ClusterMembership resolve(StorageConfig config) throws IOException {
    String name = config.clusterName().isBlank()
      ? OwnerOnlyFile.text(OwnerOnlyFile.besideDatabase(config, NAME_FILE), NAME_BITS)
      : config.clusterName();
    Path keystore = OwnerOnlyFile.besideDatabase(config, KEYSTORE_FILE);
    OwnerOnlyFile.bytes(keystore, () -> keytool(keystore.getParent()));
    return new ClusterMembership(name, keystore);
  }

  /**
   * {@code options} with TLS on both ends of every event-bus connection: this member presents the install's
   * certificate and accepts a peer only if it presents the same one, over TLS 1.3 with {@link #CIPHER_SUITE}. A process without the keystore cannot
   * finish the handshake, so no byte of its reaches the event bus's framing.
   */
  public EventBusOptions secure(EventBusOptions options) {
    PfxOptions pfx = new PfxOptions().setPath(keystore.toString()).setPassword(KEYSTORE_PASSWORD);
    options.setSsl(true).setClientAuth(ClientAuth.REQUIRED).setKeyCertOptions(pfx).setTrustOptions(pfx)
      .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
    options.getEnabledCipherSuites().clear();
    return options.addEnabledCipherSuite(CIPHER_SUITE);
  }

  /**
   * A new EC P-256 key pair with a self-signed certificate, as PKCS#12 bytes. The JDK has no public API that
   * makes a certificate; its keytool (part of every runtime, module java.base) does, run once as a child
   * process writing into a directory only this user can enter.
   */
  private static byte[] keytool(Path near) throws IOException {
    Path dir = Files.createTempDirectory(near, ".cluster-keytool-",
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Path store = dir.resolve(KEYSTORE_FILE);
      Path output = dir.resolve("keytool.out");
      Process p = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-noprompt",
        "-alias", "member", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
        "-dname", "CN=skelly-storage cluster member", "-validity", "36500",
        "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD))
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      boolean ended = p.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!ended) {
        p.destroyForcibly();
      }
      if (!ended || p.exitValue() != 0 || !Files.isRegularFile(store)) {
        String said = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8).strip() : "";
        throw new IOException("keytool could not make " + KEYSTORE_FILE + (ended ? " (exit " + p.exitValue() + ")"
          : " in " + KEYTOOL_TIMEOUT_SECONDS + " s") + ": "
          + said.substring(0, Math.min(said.length(), KEYTOOL_OUTPUT_SHOWN)));
      }
      return Files.readAllBytes(store);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool made " + KEYSTORE_FILE, e);
    } finally {
      try (Stream<Path> left = Files.walk(dir)) {
        for (Path f : left.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
    }
  }
}
