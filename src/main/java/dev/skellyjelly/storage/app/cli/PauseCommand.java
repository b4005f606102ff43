package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.Durations;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pause [--for DURATION | --until TIME]}: the §8 {@code pause} mutation; neither = until resumed. */
@Command(name = "pause", mixinStandardHelpOptions = true,
  description = "Pause capture: input is dropped before it is validated or stored. Prints the capture state.")
public final class PauseCommand extends Verb {

  static final String CAPTURE = "{ paused until since droppedWhilePaused }";

  @Option(names = "--for", paramLabel = "DURATION", description = "pause this long (500ms, 30s, 5m, 1h)")
  String duration;

  @Option(names = "--until", paramLabel = "TIME", description = "pause until this time (ISO-8601 with a zone, or epoch ms)")
  String until;

  @Override
  void run(StorageConfig config) throws Exception {
    if (duration != null && until != null) {
      throw new IllegalArgumentException("give --for or --until, not both");
    }
    Long untilMs = null;
    if (until != null) {
      untilMs = time("--until", until);
    } else if (duration != null) {
      untilMs = System.currentTimeMillis() + Durations.parseMs(duration);
    }
    mutate(config, "pause", "mutation($until: DateTime) { pause(until: $until) " + CAPTURE + " }",
      new JsonObject().put("until", untilMs));
  }
}
