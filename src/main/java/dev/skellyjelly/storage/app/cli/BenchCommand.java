package dev.skellyjelly.storage.app.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code bench}: the module's benchmarks, printed as one JSON object. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run the benchmarks and print one JSON object.")
public final class BenchCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    System.err.println("skelly-storage: bench is not available in this build");
    return Main.EXIT_FAILURE;
  }
}
