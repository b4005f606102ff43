package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.ScreenshotRow;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a commit writes for accepted events: pieces, counts, screenshot rows, remembered ids and duplicates. */
class CommitPlanTest {

  private static final String A = "5b1d0a4e-1c2f-4d3e-8f40-123456789abc";
  private static final String B = "0f6c3b2a-9d8e-4f71-a6b5-cba987654321";
  private static final long WINDOW_MS = 30_000;
  private static final long W0 = 1_764_151_200_000L;
  private static final long W1 = W0 + WINDOW_MS;

  private static Accepted moduleId(String session, long ts) {
    return new Accepted(new RawEvent(UUID.randomUUID().toString(), session, ts, new MouseMove(1, 2, 3.5)),
      false, null, 0, null);
  }

  private static Accepted producerId(String id, String session, long ts) {
    return new Accepted(new RawEvent(id, session, ts, new Keystroke(65, new Keystroke.Modifiers(false, false, false,
      false), null)), true, null, 0, null);
  }

  @Test
  void eventsBecomeOnePiecePerSessionWindowAndTypeNumberedAfterTheLastCommit() {
    List<Accepted> in = List.of(
      moduleId(A, W0 + 1), producerId(UUID.randomUUID().toString(), A, W0 + 2), moduleId(A, W0 + 3),
      moduleId(A, W1 + 1), moduleId(B, W0 + 4));

    CommitPlan plan = CommitPlan.of(in, Set.of(), 100, WINDOW_MS);

    assertEquals(List.of(
        new CommitPlan.Count(new WindowKey(A, W0), EventType.MOUSE_MOVE, 2),
        new CommitPlan.Count(new WindowKey(A, W0), EventType.KEYSTROKE, 1),
        new CommitPlan.Count(new WindowKey(A, W1), EventType.MOUSE_MOVE, 1),
        new CommitPlan.Count(new WindowKey(B, W0), EventType.MOUSE_MOVE, 1)),
      plan.counts());
    assertEquals(4, plan.blocks().size());
    BlockRow moves = plan.blocks().get(0);
    assertEquals(new WindowKey(A, W0), moves.key());
    assertEquals(EventType.MOUSE_MOVE, moves.type());
    assertEquals(2, moves.events());
    assertEquals(101, moves.minSeq());
    assertEquals(103, moves.maxSeq());
    assertEquals(List.of(new EventBlocks.Entry(101, in.get(0).event()), new EventBlocks.Entry(103, in.get(2).event())),
      EventBlocks.decode(moves.data(), A, EventType.MOUSE_MOVE));
    assertEquals(102, plan.blocks().get(1).minSeq());
    assertEquals(105, plan.blocks().get(3).maxSeq());
    assertEquals(105, plan.lastSeq());
    assertTrue(plan.duplicates().isEmpty());
  }

  @Test
  void aProducerIdStoredBeforeOrEarlierInTheCommitIsADuplicateAndGetsNoNumber() {
    String stored = UUID.randomUUID().toString();
    String twice = UUID.randomUUID().toString();
    List<Accepted> in = List.of(
      producerId(stored, A, W0 + 1), producerId(twice, A, W0 + 2), producerId(twice, A, W0 + 3),
      moduleId(A, W0 + 4));

    CommitPlan plan = CommitPlan.of(in, Set.of(stored), 7, WINDOW_MS);

    BitSet expected = new BitSet();
    expected.set(0);
    expected.set(2);
    assertEquals(expected, plan.duplicates());
    assertEquals(9, plan.lastSeq(), "two events stored, numbered 8 and 9");
    assertEquals(List.of(new CommitPlan.Count(new WindowKey(A, W0), EventType.KEYSTROKE, 1),
      new CommitPlan.Count(new WindowKey(A, W0), EventType.MOUSE_MOVE, 1)), plan.counts());
    assertEquals(List.of(new EventBlocks.Entry(8, in.get(1).event())),
      EventBlocks.decode(plan.blocks().get(0).data(), A, EventType.KEYSTROKE));
  }

  @Test
  void onlyDuplicatesWriteNothingAndKeepTheLastNumber() {
    String stored = UUID.randomUUID().toString();

    CommitPlan plan = CommitPlan.of(List.of(producerId(stored, A, W0)), Set.of(stored), 42, WINDOW_MS);

    assertEquals(42, plan.lastSeq());
    assertTrue(plan.blocks().isEmpty());
    assertTrue(plan.counts().isEmpty());
    assertEquals(1, plan.duplicates().cardinality());
  }

  @Test
  void aScreenshotEventAddsItsMetadataRowInItsWindow() {
    Screenshot shot = new Screenshot(UUID.randomUUID().toString(), ImageFormat.PNG, null, "title", "app",
      new Screenshot.Region(0, 0, 640, 480), false);
    RawEvent event = new RawEvent(UUID.randomUUID().toString(), B, W1 + 10, shot);
    ScreenshotRow row = new ScreenshotRow(null, "memory", 1234, 640, 480);

    CommitPlan plan = CommitPlan.of(List.of(new Accepted(event, false, row, 0, null)), Set.of(), 0, WINDOW_MS);

    assertEquals(List.of(new CommitPlan.NewScreenshot(event, shot, row, W1)), plan.screenshots());
    assertEquals(List.of(new CommitPlan.Count(new WindowKey(B, W1), EventType.SCREENSHOT, 1)), plan.counts());
  }
}
