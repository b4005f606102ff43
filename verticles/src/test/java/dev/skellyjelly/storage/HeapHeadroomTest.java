package dev.skellyjelly.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
