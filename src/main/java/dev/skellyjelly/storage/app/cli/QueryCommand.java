package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigException;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.ConfigLoader;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code query 'GRAPHQL' [--variables JSON]}: prints the §8 response of the running module, or of the file itself. */
@Command(name = "query", mixinStandardHelpOptions = true,
  description = "Ask the storage module a GraphQL query (CONTRACT §8) and print the response.")
public final class QueryCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "configuration file (TOML, section [storage])")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override one configuration key")
  List<String> sets = new ArrayList<>();

  @Option(names = "--variables", paramLabel = "JSON", description = "the query's variables as a JSON object")
  String variables;

  @Parameters(index = "0", paramLabel = "GRAPHQL", description = "the GraphQL document")
  String query;

  @Override
  public Integer call() throws Exception {
    StorageConfig cfg;
    JsonObject vars;
    try {
      String home = System.getProperty("user.home");
      cfg = ConfigLoader.load(ConfigLoader.locate(config, Path.of("").toAbsolutePath(), home), System.getenv(), sets, home);
      vars = variables == null ? null : new JsonObject(variables);
    } catch (ConfigException | DecodeException | IllegalArgumentException e) {
      System.err.println("skelly-storage: " + (e instanceof DecodeException ? "--variables is not a JSON object" : e.getMessage()));
      return Main.EXIT_USAGE;
    }
    JsonObject response;
    try {
      response = new QueryClient(cfg).ask(query, vars);
    } catch (IllegalStateException e) {
      System.err.println("skelly-storage: " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
    System.out.println(response.encode());
    JsonArray errors = response.getJsonArray("errors");
    if (errors != null && !errors.isEmpty()) {
      System.err.println("skelly-storage: " + errors.getJsonObject(0).getString("message"));
      return Main.EXIT_FAILURE;
    }
    return 0;
  }
}
