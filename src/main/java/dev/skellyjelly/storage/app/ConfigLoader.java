package dev.skellyjelly.storage.app;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import dev.skellyjelly.storage.ConfigException;
import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads the configuration the contract's way: {@code --config FILE}, else {@code ./conf/storage.toml}, else
 * {@code ~/.skelly-jelly/storage.toml}, else the built-in defaults; then {@code SKELLY_STORAGE_*}
 * environment variables; then {@code --set key=value}.
 */
public final class ConfigLoader {

  private ConfigLoader() {
  }

  /** The file that would be read, or null for the built-in defaults. */
  public static Path locate(Path explicit, Path workingDir, String home) {
    if (explicit != null) {
      return explicit;
    }
    Path local = workingDir.resolve("conf/storage.toml");
    if (Files.isRegularFile(local)) {
      return local;
    }
    Path user = Path.of(home, ".skelly-jelly", "storage.toml");
    return Files.isRegularFile(user) ? user : null;
  }

  /**
   * @throws ConfigException naming the key (or the file) that is wrong
   */
  public static StorageConfig load(Path file, Map<String, String> env, List<String> sets, String home) {
    List<Map<String, ?>> layers = new ArrayList<>();
    if (file != null) {
      layers.add(readToml(file));
    }
    layers.add(fromEnvironment(env));
    layers.add(fromSets(sets));
    return StorageConfig.from(layers, home);
  }

  /**
   * The file's {@code [storage]} section. Jackson's TOML parser gives the document's tokens, read into maps and
   * lists by Vert.x's streaming codec: no object mapper (and none of the classes one loads) for a flat section.
   */
  static Map<String, Object> readToml(Path file) {
    Map<String, Object> doc;
    try (JsonParser p = new TomlFactory().createParser(file.toFile())) {
      @SuppressWarnings("unchecked")
      Map<String, Object> parsed = JacksonCodec.fromParser(p, Map.class);
      doc = parsed;
    } catch (IOException | DecodeException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new ConfigException("--config", "cannot read configuration file " + file + ": " + why);
    }
    Map<String, Object> storage = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : doc.entrySet()) {
      if (!e.getKey().equals("storage") || !(e.getValue() instanceof Map<?, ?> section)) {
        throw new ConfigException(e.getKey(), "unknown configuration key '" + e.getKey() + "' in " + file
          + " (keys belong in section [storage])");
      }
      for (Map.Entry<?, ?> kv : section.entrySet()) {
        storage.put(String.valueOf(kv.getKey()), kv.getValue());
      }
    }
    return storage;
  }

  static Map<String, Object> fromEnvironment(Map<String, String> env) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().startsWith(ConfigKeys.ENV_PREFIX)) {
        String key = e.getKey().substring(ConfigKeys.ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
        if (!ConfigKeys.ALL.contains(key)) {
          throw new ConfigException(key, "unknown configuration key '" + key + "' in environment variable " + e.getKey());
        }
        out.put(key, e.getValue());
      }
    }
    return out;
  }

  static Map<String, Object> fromSets(List<String> sets) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String s : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(s, "--set expects key=value, got '" + s + "'");
      }
      out.put(s.substring(0, eq).trim(), s.substring(eq + 1));
    }
    return out;
  }
}
