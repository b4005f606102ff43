package dev.skellyjelly.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM's free ratios, as it reports them, with two holders of the headroom (the query side and a burst): raised
 * by the first, kept while either holds, put back only when both let go.
 */
class HeapHeadroomTest {

  private HeapRatios jvm;

  @BeforeEach
  void resting() {
    jvm = HeapRatios.resting("15", "35");
  }

  @AfterEach
  void putBack() {
    jvm.restore();
  }

  private static List<String> ratios() {
    return HeapRatios.now();
  }

  @Test
  void raisedWhileAnyHolderHoldsIt() {
    HeapHeadroom heap = HeapHeadroom.ofThisJvm();
    Object queries = new Object();
    Object burst = new Object();
    heap.hold(queries);
    assertEquals(List.of("60", "85"), ratios());
    heap.hold(burst);
    heap.hold(burst);
    assertTrue(heap.holds(burst));
    heap.release(queries);
    assertEquals(List.of("60", "85"), ratios(), "the burst still holds it");
    assertFalse(heap.holds(queries));
    heap.release(queries);
    assertEquals(List.of("60", "85"), ratios(), "a second release by the same holder changes nothing");
    heap.release(burst);
    assertEquals(List.of("15", "35"), ratios(), "nothing holds it: the resting ratios");
    heap.release(burst);
    assertEquals(List.of("15", "35"), ratios());
  }

  @Test
  void aCollectionAsksForItsFreeRatioWhileItRunsOnly() {
    HeapHeadroom heap = HeapHeadroom.ofThisJvm();
    List<List<String>> during = new ArrayList<>();
    heap.collectLeaving(30, () -> during.add(ratios()));
    assertEquals(List.of(List.of("30", "35")), during, "the minimum raised, the maximum as it was");
    assertEquals(List.of("15", "35"), ratios(), "put back after");

    heap.collectLeaving(70, () -> during.add(ratios()));
    assertEquals(List.of("70", "70"), during.get(1), "the maximum raised to the minimum");
    heap.collectLeaving(95, () -> during.add(ratios()));
    assertEquals(List.of(String.valueOf(HeapHeadroom.MAX_COLLECTION_FLOOR), String.valueOf(HeapHeadroom.MAX_COLLECTION_FLOOR)),
      during.get(2), "never more than the cap");
    assertEquals(List.of("15", "35"), ratios());

    Object queries = new Object();
    heap.hold(queries);
    heap.collectLeaving(30, () -> during.add(ratios()));
    heap.collectLeaving(75, () -> during.add(ratios()));
    assertEquals(List.of(List.of("60", "85"), List.of("75", "85")), during.subList(3, 5),
      "held: the larger of the two");
    assertEquals(List.of("60", "85"), ratios(), "still held after the collections");
    heap.release(queries);
    assertEquals(List.of("15", "35"), ratios());
  }

  @Test
  void aFailingCollectionStillPutsTheRatiosBack() {
    HeapHeadroom heap = HeapHeadroom.ofThisJvm();
    assertThrows(IllegalStateException.class, () -> heap.collectLeaving(40, () -> {
      throw new IllegalStateException("collection refused");
    }));
    assertEquals(List.of("15", "35"), ratios());
  }
}
