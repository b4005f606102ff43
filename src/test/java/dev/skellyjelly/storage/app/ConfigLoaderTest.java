package dev.skellyjelly.storage.app;

import dev.skellyjelly.storage.ConfigException;
import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configuration layers of CONTRACT §5: file, then environment, then --set. */
class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void theShippedFileHoldsEveryKeyAtItsDefault() {
    Path shipped = Path.of(System.getProperty("user.dir")).resolve("../conf/storage.toml").normalize();
    Map<String, Object> keys = ConfigLoader.readToml(shipped);
    assertEquals(ConfigKeys.ALL, List.copyOf(keys.keySet()), "every key, in the contract's order");
    assertEquals(StorageConfig.defaults("/home/someone"),
      ConfigLoader.load(shipped, Map.of(), List.of(), "/home/someone"));
  }

  @Test
  void laterLayersWinAndTextIsParsedByTheKeysType() throws IOException {
    Path file = dir.resolve("storage.toml");
    Files.writeString(file, "[storage]\nbatch_window_seconds = 10\ndev_mode = true\ncluster_members = [\"a\", \"b:5702\"]\n");
    StorageConfig c = ConfigLoader.load(file,
      Map.of("SKELLY_STORAGE_BATCH_WINDOW_SECONDS", "20", "SKELLY_STORAGE_DATABASE_PATH", "~/x.db", "PATH", "/bin"),
      List.of("batch_window_seconds=40", "cluster_members=h1,h2:5703"), "/home/someone");
    assertEquals(40, c.batchWindowSeconds());
    assertTrue(c.devMode());
    assertEquals("/home/someone/x.db", c.databasePath());
    assertEquals(List.of("h1", "h2:5703"), c.clusterMembers());
  }

  @Test
  void unknownKeysAndBadValuesNameTheKey() throws IOException {
    assertEquals("no_such_key", assertThrows(ConfigException.class,
      () -> ConfigLoader.load(null, Map.of(), List.of("no_such_key=1"), "/h")).key());
    ConfigException env = assertThrows(ConfigException.class,
      () -> ConfigLoader.load(null, Map.of("SKELLY_STORAGE_FOO", "1"), List.of(), "/h"));
    assertTrue(env.getMessage().contains("SKELLY_STORAGE_FOO"), env.getMessage());
    Path file = dir.resolve("bad.toml");
    Files.writeString(file, "[storage]\nhttp_port = \"eighty\"\n");
    ConfigException bad = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), List.of(), "/h"));
    assertTrue(bad.getMessage().contains("http_port"), bad.getMessage());
    Path outside = dir.resolve("outside.toml");
    Files.writeString(outside, "batch_window_seconds = 5\n");
    assertEquals("batch_window_seconds", assertThrows(ConfigException.class,
      () -> ConfigLoader.load(outside, Map.of(), List.of(), "/h")).key());
    Path broken = dir.resolve("broken.toml");
    Files.writeString(broken, "[storage\n");
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(broken, Map.of(), List.of(), "/h"))
      .getMessage().contains("broken.toml"));
  }

  @Test
  void theFileIsFoundWhereTheContractSays() throws IOException {
    Path work = Files.createDirectories(dir.resolve("work"));
    Path home = Files.createDirectories(dir.resolve("home"));
    assertNull(ConfigLoader.locate(null, work, home.toString()));
    Path user = Files.createDirectories(home.resolve(".skelly-jelly")).resolve("storage.toml");
    Files.writeString(user, "[storage]\n");
    assertEquals(user, ConfigLoader.locate(null, work, home.toString()));
    Path local = Files.createDirectories(work.resolve("conf")).resolve("storage.toml");
    Files.writeString(local, "[storage]\n");
    assertEquals(local, ConfigLoader.locate(null, work, home.toString()));
    Path explicit = dir.resolve("explicit.toml");
    assertEquals(explicit, ConfigLoader.locate(explicit, work, home.toString()));
  }

  @Test
  void durations() {
    assertEquals(500, Durations.parseMs("500ms"));
    assertEquals(30_000, Durations.parseMs("30s"));
    assertEquals(300_000, Durations.parseMs("5m"));
    assertEquals(3_600_000, Durations.parseMs("1h"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parseMs("10"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parseMs("-1s"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parseMs("1 d"));
  }
}
