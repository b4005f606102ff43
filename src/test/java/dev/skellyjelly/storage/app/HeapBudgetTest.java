package dev.skellyjelly.storage.app;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.net.BridgeBudget;
import dev.skellyjelly.storage.app.net.OutputBudget;
import dev.skellyjelly.storage.impl.BatcherVerticle;
import dev.skellyjelly.storage.impl.ReceiverVerticle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heap's arithmetic, in one place: every bound on what input from outside can make the module hold, in bytes,
 * from the classes' own constants and the default configuration, adds up to at most 80 % of the {@code -Xmx} in
 * conf/jvm.options (the rest: the module's own structures, caches and the collector's slack). Changing a bound or
 * {@code -Xmx} without the other fails here. The table is printed.
 */
class HeapBudgetTest {

  /** GraphQL responses (CONTRACT §8): at most 4 MB each, two at once; not built yet, reserved. */
  static final long GRAPHQL_BYTES = 2 * 4 * StorageConfig.MB;
  /** Of {@code -Xmx}, what the bounds may take together. */
  static final double SHARE = 0.8;

  @TempDir
  Path home;

  @Test
  void everyBoundTogetherFitsEightyPercentOfTheHeap() throws IOException {
    StorageConfig config = StorageConfig.defaults(home.toString());
    Map<String, Long> bounds = new LinkedHashMap<>();
    // The largest TCP frame plus one SockJS connection's worst case, shared by the bridges' connections.
    bounds.put("bridge input in flight (BridgeBudget)", BridgeBudget.forConfig(config).capacity());
    // A maximum-size frame parsed: its image decoded beside the frame's bytes (counted above).
    bounds.put("a parsed maximum-size screenshot (screenshot_max_mb)", config.screenshotMaxBytes());
    bounds.put("screenshot memory budget (screenshot_memory_budget_mb)", config.screenshotMemoryBudgetBytes());
    bounds.put("receiver: accepted, not committed (ReceiverVerticle)", ReceiverVerticle.MAX_PENDING_BYTES);
    bounds.put("batcher: windows and held events (WindowTable)", BatcherVerticle.heldBoundBytes());
    bounds.put("bridge output held for peers (OutputBudget)", OutputBudget.DEFAULT_BYTES);
    bounds.put("GraphQL responses, 2 x 4 MB (CONTRACT 8, reserved)", GRAPHQL_BYTES);

    long xmx = maxHeap(Path.of("..", "conf", "jvm.options"));
    long sum = bounds.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder table = new StringBuilder("\nHeap bounds (MiB = 2^20 bytes)\n");
    bounds.forEach((name, bytes) -> table.append(String.format("  %-56s %7.1f%n", name, mib(bytes))));
    table.append(String.format("  %-56s %7.1f%n", "sum", mib(sum)));
    table.append(String.format("  %-56s %7.1f  (-Xmx %.0f MiB)%n", "80 % of -Xmx", mib(xmx) * SHARE, mib(xmx)));
    System.out.print(table);
    assertTrue(sum <= xmx * SHARE, "the bounds take " + sum + " bytes, more than 80 % of -Xmx " + xmx + ":" + table);
  }

  @Test
  void theHeapIsReadFromTheOptionsAsTheJvmReadsIt() throws IOException {
    Path options = home.resolve("jvm.options");
    Files.writeString(options, "# -Xmx1g in a comment\n-Xms16m\n-Xmx96m\n-Xmn6m\n");
    assertEquals(96L << 20, maxHeap(options));
    Files.writeString(options, "-Xmx2G\n");
    assertEquals(2L << 30, maxHeap(options));
  }

  /** The last {@code -Xmx} not in a comment, in bytes. */
  static long maxHeap(Path options) throws IOException {
    Pattern xmx = Pattern.compile("^\\s*-Xmx(\\d+)([kKmMgG]?)\\s*$");
    long bytes = -1;
    for (String line : Files.readAllLines(options)) {
      Matcher m = xmx.matcher(line);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        bytes = switch (m.group(2).toLowerCase()) {
          case "k" -> n << 10;
          case "m" -> n << 20;
          case "g" -> n << 30;
          default -> n;
        };
      }
    }
    assertTrue(bytes > 0, "no -Xmx in " + options);
    return bytes;
  }

  private static double mib(long bytes) {
    return bytes / (double) StorageConfig.MB;
  }
}
