package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
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
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * A secret of the person's own account kept in a file beside the database, mode 0600: read when it is there,
 * made once when it is not, so every local module that can read the file shares the secret and nobody else
 * does. Used for {@code bridge.token}, {@code cluster.name} and {@code cluster.p12}. Blocking file I/O: for
 * start-up, off any event loop.
 */
public final class OwnerOnlyFile {

  /** Makes the secret's bytes once, when the file is missing or empty. */
  @FunctionalInterface
  public interface Maker {
    byte[] make() throws IOException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(OwnerOnlyFile.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final SecureRandom RANDOM = new SecureRandom();

  private OwnerOnlyFile() {
  }

  /** {@code name} in the directory of {@code database_path}, which is created when missing. */
  public static Path besideDatabase(StorageConfig config, String name) throws IOException {
    Path file = Path.of(config.databasePath()).toAbsolutePath().resolveSibling(name);
    Files.createDirectories(file.getParent());
    return file;
  }

  /**
   * The file's text without surrounding white space; when missing or blank, {@code bits} random bits as
   * url-safe base64 (no padding) written to it first.
   */
  public static String text(Path file, int bits) throws IOException {
    byte[] bytes = bytes(file, () -> (randomText(bits) + "\n").getBytes(StandardCharsets.UTF_8));
    return new String(bytes, StandardCharsets.UTF_8).strip();
  }

  /**
   * The file's bytes; when missing or empty, {@code maker}'s written to it first. The file is created with
   * mode 0600 before anything is written, and a readable-by-others file found there is tightened to 0600.
   */
  public static byte[] bytes(Path file, Maker maker) throws IOException {
    for (int attempt = 0; attempt < 2; attempt++) {
      if (Files.exists(file)) {
        byte[] found = Files.readAllBytes(file);
        if (found.length > 0 && !new String(found, StandardCharsets.UTF_8).isBlank()) {
          ownerOnly(file);
          return found;
        }
        Files.delete(file);
      }
      byte[] made = maker.make();
      try {
        createOwnerOnly(file);
      } catch (FileAlreadyExistsException raced) {
        continue;
      }
      Files.write(file, made, StandardOpenOption.TRUNCATE_EXISTING);
      LOG.info("{} written (mode 0600)", file);
      return made;
    }
    throw new IOException("cannot create " + file);
  }

  /** {@code bits} (rounded up to bytes) from SecureRandom as url-safe base64 without padding. */
  public static String randomText(int bits) {
    byte[] random = new byte[(bits + 7) / 8];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
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
