package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.EventType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code delete --from T --to T [--type T]… [--app NAME] [--dry-run]}: the §8 {@code deleteRange} mutation. */
@Command(name = "delete", mixinStandardHelpOptions = true,
  description = "Delete the events in [--from, --to), of the types and app given. Prints the deletion.")
public final class DeleteCommand extends Verb {

  @Mixin
  TimeRange range;

  @Option(names = "--type", paramLabel = "TYPE", description = "only events of this type (keystroke, mouse_move, …)")
  List<String> types = new ArrayList<>();

  @Option(names = "--app", paramLabel = "NAME", description = "only events attributed to this app")
  String app;

  @Option(names = "--dry-run", description = "count what would be deleted, change nothing")
  boolean dryRun;

  @Override
  void run(StorageConfig config) throws Exception {
    TimeRange.Millis millis = range.millis();
    JsonArray typeNames = null;
    if (!types.isEmpty()) {
      typeNames = new JsonArray();
      for (String t : types) {
        if (EventType.fromWireName(t.toLowerCase(Locale.ROOT)) == null) {
          throw new IllegalArgumentException("--type " + t + " is not one of keystroke, mouse_move, mouse_click, "
            + "window_focus, screenshot, process, resource");
        }
        typeNames.add(t.toUpperCase(Locale.ROOT));
      }
    }
    mutate(config, "deleteRange", "mutation($from: DateTime!, $to: DateTime!, $types: [EventType!], $app: String, "
        + "$dry: Boolean) { deleteRange(from: $from, to: $to, types: $types, app: $app, dryRun: $dry) "
        + ForgetCommand.DELETION + " }",
      new JsonObject().put("from", millis.from()).put("to", millis.to()).put("types", typeNames).put("app", app).put("dry", dryRun));
  }
}
