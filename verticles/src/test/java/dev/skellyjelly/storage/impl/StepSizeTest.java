package dev.skellyjelly.storage.impl;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a retention step's size follows the measured time of the steps before it (times given, not measured): halved
 * after a slow step or a slow checkpoint, a quarter more after a quick step and checkpoint, never past its bounds.
 */
class StepSizeTest {

  private static final long MS = 1_000_000L;

  @Test
  void aSlowStepOrCheckpointHalvesTheNextAndAQuickPairGrowsItByAQuarter() {
    StepSize pages = new StepSize(128, 8, 512);
    pages.took(60 * MS);
    assertEquals(64, pages.get());
    // Its checkpoint decides nothing more.
    pages.checkpointTook(MS);
    assertEquals(64, pages.get());
    pages.took(10 * MS);
    assertEquals(64, pages.get(), "undecided until its checkpoint");
    pages.checkpointTook(5 * MS);
    assertEquals(80, pages.get());
    pages.took(10 * MS);
    pages.checkpointTook(5 * MS);
    assertEquals(100, pages.get());
    // A quick step whose checkpoint is not quick keeps the size; between quick and slow the size stays.
    pages.took(5 * MS);
    pages.checkpointTook(30 * MS);
    assertEquals(100, pages.get());
    pages.took(30 * MS);
    pages.checkpointTook(MS);
    assertEquals(100, pages.get());
    // A slow checkpoint halves it.
    pages.took(MS);
    pages.checkpointTook(70 * MS);
    assertEquals(50, pages.get());
    assertEquals(100, pages.largest(), "the largest size handed out");
  }

  @Test
  void theSizeStaysWithinItsBoundsWhateverTheTimes() {
    StepSize pages = new StepSize(128, 8, 512);
    Random random = new Random(14);
    for (int i = 0; i < 10_000; i++) {
      long size = pages.get();
      assertTrue(size >= 8 && size <= 512, "step " + i + ": " + size);
      pages.took(random.nextInt(4) == 0 ? 200 * MS : random.nextInt(25) * MS);
      pages.checkpointTook(random.nextInt(8) == 0 ? 200 * MS : random.nextInt(15) * MS);
    }
    assertTrue(pages.largest() <= 512, "largest " + pages.largest());
    for (int i = 0; i < 20; i++) {
      pages.took(500 * MS);
    }
    assertEquals(8, pages.get());
    for (int i = 0; i < 100; i++) {
      pages.took(MS);
      pages.checkpointTook(MS);
    }
    assertEquals(512, pages.get());
    // Growing from the minimum takes steps of at least one.
    StepSize one = new StepSize(1, 1, 4);
    one.took(MS);
    one.checkpointTook(MS);
    assertEquals(2, one.get());
    assertThrows(IllegalArgumentException.class, () -> new StepSize(0, 1, 4));
  }
}
