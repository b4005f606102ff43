package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.WindowFocus;
import dev.skellyjelly.storage.impl.Exclusions.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The receiver's exclusion verdicts as the focus changes it remembers come and go: an input event is dropped while a
 * private focus it remembers has its session's focus, and kept once that change was let go of (pushed out by newer
 * changes of its session, or with its whole session by newer sessions), whatever other sessions remember.
 */
class ExclusionsTest {

  private final Exclusions exclusions = new Exclusions(List.of("1Password"), List.of("(?i)incognito"));

  private static RawEvent focus(String session, long ts, String app) {
    return new RawEvent(Uuids.random(), session, ts, new WindowFocus("a window", app, 1, null));
  }

  private static RawEvent input(String session, long ts) {
    return new RawEvent(Uuids.random(), session, ts, new MouseMove(1, 2, 0.5));
  }

  @Test
  void inputIsDroppedOnlyWhileARememberedPrivateFocusHasItsSession() {
    String s = Uuids.random();
    assertEquals(Verdict.KEEP, exclusions.judge(input(s, 50)), "nothing remembered yet");
    assertEquals(Verdict.KEEP, exclusions.judge(focus(s, 100, "Editor")));
    assertEquals(Verdict.PRIVATE_FOCUS, exclusions.judge(focus(s, 200, "1password")));
    assertEquals(Verdict.KEEP, exclusions.judge(focus(s, 300, "Editor")));
    assertEquals(Verdict.KEEP, exclusions.judge(input(s, 150)));
    assertEquals(Verdict.DROP, exclusions.judge(input(s, 250)));
    assertEquals(Verdict.KEEP, exclusions.judge(input(s, 350)));
    assertEquals(Verdict.KEEP, exclusions.judge(input(Uuids.random(), 250)), "another session");

    // The same timestamp's focus replaced by a public one: nothing private is left to fall in.
    assertEquals(Verdict.KEEP, exclusions.judge(focus(s, 200, "Browser")));
    assertEquals(Verdict.KEEP, exclusions.judge(input(s, 250)));
    assertEquals(Verdict.PRIVATE_FOCUS, exclusions.judge(focus(s, 200, "1Password")));
    assertEquals(Verdict.DROP, exclusions.judge(input(s, 250)));
  }

  @Test
  void aPrivateFocusPushedOutByNewerChangesNoLongerDrops() {
    String s = Uuids.random();
    exclusions.judge(focus(s, 1_000, "1Password"));
    assertEquals(Verdict.DROP, exclusions.judge(input(s, 1_001)));
    for (int i = 0; i < Exclusions.CHANGES_PER_SESSION; i++) {
      exclusions.judge(focus(s, 2_000 + i, "Editor"));
    }
    // Older than every change remembered: kept.
    assertEquals(Verdict.KEEP, exclusions.judge(input(s, 1_001)));
    exclusions.judge(new RawEvent(Uuids.random(), s, 10_000, new WindowFocus("Incognito - Browser", "Browser", 1, null)));
    assertEquals(Verdict.DROP, exclusions.judge(input(s, 10_001)));
  }

  @Test
  void aSessionLetGoOfTakesItsPrivateFocusWithItAndOthersKeepTheirs() {
    String kept = Uuids.random();
    String evicted = Uuids.random();
    exclusions.judge(focus(evicted, 100, "1Password"));
    exclusions.judge(focus(kept, 100, "1Password"));
    for (int i = 0; i < Exclusions.SESSIONS - 1; i++) {
      // Each new session pushes out the least recently heard of; "kept" is heard of again every time.
      exclusions.judge(focus(Uuids.random(), 100, "Editor"));
      exclusions.judge(input(kept, 50));
    }
    assertEquals(Verdict.KEEP, exclusions.judge(input(evicted, 150)), "its focus changes were let go of");
    assertEquals(Verdict.DROP, exclusions.judge(input(kept, 150)));
  }
}
