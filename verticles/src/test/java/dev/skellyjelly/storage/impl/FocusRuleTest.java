package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.FocusRule.FocusChange;
import dev.skellyjelly.storage.impl.FocusRule.Span;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The focus rule on its own: which app an event belongs to, which time counts as focused, pauses included. */
class FocusRuleTest {

  private static final List<FocusChange> CHANGES = List.of(
    new FocusChange(1_000, 5, "Editor"), new FocusChange(4_000, 9, "Browser"), new FocusChange(4_000, 12, "Mail"));

  @Test
  void anEventBelongsToTheLastChangeBeforeItInTimeAndCommitOrder() {
    assertEquals("", FocusRule.appAt(CHANGES, List.of(), 999, 100));
    assertEquals("Editor", FocusRule.appAt(CHANGES, List.of(), 1_000, 5));
    assertEquals("Editor", FocusRule.appAt(CHANGES, List.of(), 3_999, 100));
    // At 4 s: committed between the two changes of that millisecond, then after both.
    assertEquals("Browser", FocusRule.appAt(CHANGES, List.of(), 4_000, 10));
    assertEquals("Mail", FocusRule.appAt(CHANGES, List.of(), 4_000, 13));
    assertEquals("Mail", FocusRule.appAt(CHANGES, List.of(), 90_000, 1));
  }

  @Test
  void aPauseEndsTheFocusUntilTheNextChange() {
    List<Span> pauses = List.of(new Span(2_000, 3_000));
    assertEquals("Editor", FocusRule.appAt(CHANGES, pauses, 1_999, 100));
    assertEquals("", FocusRule.appAt(CHANGES, pauses, 2_000, 100));
    assertEquals("", FocusRule.appAt(CHANGES, pauses, 3_500, 100));
    assertEquals("Mail", FocusRule.appAt(CHANGES, pauses, 4_500, 100));
  }

  @Test
  void focusedTimeIsFocusWhileActiveSplitAtEachChangeAndPause() {
    List<String> got = new ArrayList<>();
    FocusRule.focused(CHANGES, List.of(new Span(0, 1_500), new Span(3_500, 6_000)),
      List.of(new Span(5_000, FocusRule.FOREVER)), 0, FocusRule.FOREVER, (a, b, app) -> got.add(app + " " + a + "-" + b));
    // Nothing before the first change, nothing while idle (1.5–3.5 s), nothing once paused; Browser's 0 ms skipped.
    assertEquals(List.of("Editor 1000-1500", "Editor 3500-4000", "Mail 4000-5000"), got);
  }

  @Test
  void activityJoinsTouchingSpansAndTellsWhatIsNew() {
    assertEquals(List.of(new Span(0, 30), new Span(40, 50)),
      FocusRule.union(List.of(new Span(10, 30), new Span(0, 10), new Span(40, 50), new Span(45, 48))));
    assertEquals(List.of(new Span(5, 10), new Span(30, 40), new Span(50, 55)),
      FocusRule.minus(new Span(5, 55), List.of(new Span(0, 5), new Span(10, 30), new Span(40, 50))));
  }

  @Test
  void focusedMillisecondsAreSplitByMinuteAndHour() {
    RollupDelta d = new RollupDelta();
    d.addFocused("s", 3_599_000, 3_661_000, "Editor", 1);
    assertEquals(1_000, d.minuteFocus().get(new RollupDelta.FocusKey(3_540_000, "s", "Editor")).focusedMs);
    assertEquals(60_000, d.minuteFocus().get(new RollupDelta.FocusKey(3_600_000, "s", "Editor")).focusedMs);
    assertEquals(1_000, d.minuteFocus().get(new RollupDelta.FocusKey(3_660_000, "s", "Editor")).focusedMs);
    assertEquals(List.of(1_000L, 61_000L), d.focusRows().stream().filter(RollupDelta.FocusRow::hour)
      .sorted(java.util.Comparator.comparingLong(r -> r.key().bucketMs())).map(r -> r.focus().focusedMs).toList());
  }
}
