package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the serial collector's full collections start, in a JVM under the module's flags ({@code conf/jvm.options})
 * whose old generation fills with promoted garbage at a steady pace ({@link PromotingLoad}): without the keeper, an
 * allocation finds the old generation full and its thread runs the collection; with it, every one after the warm-up
 * is the keeper's, run on a worker, and not one after each young collection. In a burst that fills it many times
 * a second, the keeper holds the heap's headroom, and full collections become rare.
 */
class OldGenerationKeeperIT {

  private static final int YOUNG = 120;
  private static final int BURST_YOUNG = 300;

  @TempDir
  Path dir;

  @Test
  void fullCollectionsAreStartedByTheKeeperNotByAnAllocation() throws Exception {
    JsonObject without = run("none", "steady");
    JsonObject with = run("keeper", "steady");
    System.out.println("OldGenerationKeeperIT: without the keeper " + without.encode() + "; with it " + with.encode());

    assertTrue(without.getInteger("full_allocation_failure") >= 3,
      "the load fills the old generation: allocations run full collections without the keeper " + without.encode());
    assertEquals(0, without.getInteger("full_system_gc"), without.encode());

    assertTrue(with.getBoolean("keeper"), "the module's flags name the serial collector: " + with.encode());
    assertEquals(0, with.getInteger("full_allocation_failure"), "no allocation found the old generation full: "
      + with.encode());
    assertTrue(with.getInteger("full_system_gc") >= 3, "the keeper collected instead: " + with.encode());
    assertTrue(with.getInteger("full_system_gc") < with.getInteger("young") / 2,
      "and not after every young collection: " + with.encode());
    assertEquals(15, with.getInteger("min_heap_free_ratio"), "a steady load keeps the resting ratios: " + with.encode());
  }

  @Test
  void inABurstTheKeeperHoldsTheHeapsHeadroom() throws Exception {
    JsonObject without = run("none", "burst");
    JsonObject with = run("keeper", "burst");
    System.out.println("OldGenerationKeeperIT: a burst without the keeper " + without.encode() + "; with it "
      + with.encode());
    int fullWithout = without.getInteger("full_allocation_failure") + without.getInteger("full_other");
    int fullWith = with.getInteger("full_allocation_failure") + with.getInteger("full_system_gc")
      + with.getInteger("full_other");
    assertEquals(15, without.getInteger("min_heap_free_ratio"), without.encode());
    assertTrue(fullWithout >= 20, "the burst fills the resting old generation again and again: " + without.encode());
    assertEquals(60, with.getInteger("min_heap_free_ratio"), "held while the burst lasts: " + with.encode());
    assertTrue(fullWith * 3 < fullWithout, "full collections become rare: " + with.encode());
  }

  private JsonObject run(String mode, String pace) throws Exception {
    Path out = dir.resolve(mode + "-" + pace + ".out");
    Path err = dir.resolve(mode + "-" + pace + ".err");
    Process p = new ProcessBuilder(ClusterIT.javaCommand(PromotingLoad.class, JarProcess.jvmOptions(), mode,
      Integer.toString(pace.equals("burst") ? BURST_YOUNG : YOUNG), pace)).redirectOutput(out.toFile())
      .redirectError(err.toFile()).start();
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), mode + ": the load did not end");
    assertEquals(0, p.exitValue(), mode + ": " + Files.readString(err, StandardCharsets.UTF_8));
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    return new JsonObject(lines.stream().filter(l -> l.startsWith("{\"keeper\"")).findFirst()
      .orElseThrow(() -> new AssertionError(mode + ": no result in " + lines)));
  }
}
