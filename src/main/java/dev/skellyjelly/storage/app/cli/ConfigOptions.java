package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.ConfigLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code --config FILE} and {@code --set KEY=VALUE}: how every verb finds the database (CONTRACT §5). */
public final class ConfigOptions {

  @Option(names = "--config", paramLabel = "FILE", description = "configuration file (TOML, section [storage])")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override one configuration key")
  List<String> sets = new ArrayList<>();

  /** The configuration in effect; ConfigException naming the key when it is bad. */
  public StorageConfig load() {
    String home = System.getProperty("user.home");
    return ConfigLoader.load(ConfigLoader.locate(config, Path.of("").toAbsolutePath(), home), System.getenv(), sets, home);
  }
}
