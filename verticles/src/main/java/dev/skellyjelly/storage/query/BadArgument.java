package dev.skellyjelly.storage.query;

/** An argument a query may not have; its message names the argument, and the module goes on. */
final class BadArgument extends RuntimeException {

  private final String argument;

  BadArgument(String argument, String problem) {
    super("argument " + argument + ": " + problem, null, false, false);
    this.argument = argument;
  }

  String argument() {
    return argument;
  }
}
