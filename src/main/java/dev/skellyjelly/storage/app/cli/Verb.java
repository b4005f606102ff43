package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigException;
import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * A verb of CONTRACT §6 that reaches the database (pause, resume, forget, delete, export, import): configuration
 * from {@code --config}/{@code --set}, then the work; exit 0 when done, 2 for bad configuration or arguments
 * (IllegalArgumentException), 1 for anything else (IllegalStateException and the rest), always with a one-line
 * reason on stderr.
 */
abstract class Verb implements Callable<Integer> {

  @Mixin
  ConfigOptions options = new ConfigOptions();

  /** Does the verb's work; its output goes to stdout. */
  abstract void run(StorageConfig config) throws Exception;

  @Override
  public final Integer call() throws Exception {
    try {
      run(options.load());
      return 0;
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("skelly-storage: " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (IllegalStateException e) {
      System.err.println("skelly-storage: " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
  }

  /** Asks a mutation and prints its result, the object {@code data.<field>}; an error in the response fails the verb. */
  static void mutate(StorageConfig config, String field, String mutation, JsonObject variables) throws Exception {
    JsonObject response = new QueryClient(config).mutate(mutation, variables);
    JsonArray errors = response.getJsonArray("errors");
    if (errors != null && !errors.isEmpty()) {
      throw new IllegalStateException(errors.getJsonObject(0).getString("message"));
    }
    System.out.println(response.getJsonObject("data").getJsonObject(field).encode());
  }

  /** A time given on the command line: the module's form, any ISO-8601 with a zone, or epoch milliseconds. */
  static long time(String option, String text) {
    try {
      return dev.skellyjelly.storage.impl.ExportFormat.parseTime(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " " + e.getMessage());
    }
  }
}
