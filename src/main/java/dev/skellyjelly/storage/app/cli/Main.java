package dev.skellyjelly.storage.app.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line of the storage module: {@code run}, {@code bench}, {@code query} and the history verbs
 * {@code pause}, {@code resume}, {@code forget}, {@code delete}, {@code export}, {@code import}.
 */
@Command(name = "skelly-storage", mixinStandardHelpOptions = true, version = "skelly-storage 0.1.0",
  description = "Skelly-Jelly's storage module: receives behavioural events on the Vert.x event bus, commits them to SQLite and batches them for analysis.",
  subcommands = {RunCommand.class, BenchCommand.class, QueryCommand.class, PauseCommand.class, ResumeCommand.class,
    ForgetCommand.class, DeleteCommand.class, ExportCommand.class, ImportCommand.class})
public final class Main implements Runnable {

  /** Exit code for bad configuration or arguments. */
  public static final int EXIT_USAGE = 2;
  /** Exit code for anything else that went wrong. */
  public static final int EXIT_FAILURE = 1;

  @Override
  public void run() {
    new CommandLine(this).usage(System.err);
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new java.io.PrintWriter(System.err, true));
    cli.setParameterExceptionHandler((ex, a) -> {
      System.err.println("skelly-storage: " + ex.getMessage());
      return EXIT_USAGE;
    });
    cli.setExecutionExceptionHandler((ex, c, parsed) -> {
      System.err.println("skelly-storage: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return EXIT_FAILURE;
    });
    System.exit(cli.execute(args));
  }
}
