package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import picocli.CommandLine.Command;

/** {@code resume}: the §8 {@code resume} mutation. */
@Command(name = "resume", mixinStandardHelpOptions = true,
  description = "Resume capture after a pause. Prints the capture state.")
public final class ResumeCommand extends Verb {

  @Override
  void run(StorageConfig config) throws Exception {
    mutate(config, "resume", "mutation { resume " + PauseCommand.CAPTURE + " }", null);
  }
}
