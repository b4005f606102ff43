package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.WindowFocus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Blocks give back exactly what went in, and module-assigned ids cost a few bits. */
class EventBlocksTest {

  private static final String SESSION = "5b1d0a4e-1c2f-4d3e-8f40-123456789abc";

  private static List<EventBlocks.Entry> roundTrip(List<EventBlocks.Entry> in, EventType type) {
    return EventBlocks.decode(EventBlocks.encode(in), SESSION, type);
  }

  @Test
  void everyTypeComesBackExactly() {
    SplittableRandom r = new SplittableRandom(7);
    List<EventData> samples = List.of(
      new MouseMove(-5, Integer.MAX_VALUE, 1234.5),
      new MouseMove(Integer.MIN_VALUE, 0, Math.PI),
      new MouseMove(3, 4, -0.0 == 0.0 ? 0.0 : 1),
      new Keystroke(4_294_967_295L, new Keystroke.Modifiers(true, false, true, true), null),
      new Keystroke(0, new Keystroke.Modifiers(false, true, false, false), 4_294_967_295L),
      new MouseClick(10, -20, MouseClick.Button.MIDDLE, MouseClick.ClickType.TRIPLE),
      new ResourceUsage(1e300, 4_294_967_295L, 0.1 + 0.2, Double.MIN_VALUE),
      new WindowFocus("Tab\tand \u0000 null 🐙 עברית", "app", 42, null),
      new ProcessEvent(7, "java", ProcessEvent.Change.CRASHED),
      new Screenshot(UUID.randomUUID().toString(), ImageFormat.WEBP, null, "t", "a", new Screenshot.Region(-1, -2, 3, 4), true));
    long seq = 10;
    for (EventData d : samples) {
      List<EventBlocks.Entry> in = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        seq += 1 + r.nextInt(5);
        in.add(new EventBlocks.Entry(seq, new RawEvent(UUID.randomUUID().toString(), SESSION,
          1_764_151_200_000L + r.nextInt(-1000, 30_000), d)));
      }
      assertEquals(in, roundTrip(in, d.type()));
    }
  }

  @Test
  void derivedIdsAndRealisticMovesCostFewBytes() {
    UUID run = UUID.randomUUID();
    long msb = (run.getMostSignificantBits() & ~0xF000L) | 0x8000L;
    long lsb = run.getLeastSignificantBits() & ~((1L << 40) - 1);
    SplittableRandom r = new SplittableRandom(3);
    List<EventBlocks.Entry> in = new ArrayList<>();
    long ts = 1_764_151_200_000L;
    int x = 800;
    int y = 400;
    for (int i = 0; i < 10_000; i++) {
      ts += r.nextInt(0, 6);
      x += r.nextInt(-12, 13);
      y += r.nextInt(-8, 9);
      String id = new UUID(msb, lsb | (2L * i)).toString();
      in.add(new EventBlocks.Entry(2L * i + 1, new RawEvent(id, SESSION, ts,
        new MouseMove(x, y, Math.round(r.nextDouble(0, 2400) * 10) / 10.0))));
    }
    byte[] block = EventBlocks.encode(in);
    assertEquals(in, EventBlocks.decode(block, SESSION, EventType.MOUSE_MOVE));
    assertTrue(block.length < 10_000 * 8, "a mouse move should cost under 8 bytes, got " + block.length / 10_000.0);
  }

  @Test
  void aFilteredDecodeGivesExactlyTheEventsKeptWithTheirIdsAndPositions() {
    SplittableRandom r = new SplittableRandom(5);
    List<EventBlocks.Entry> in = new ArrayList<>();
    long ts = 1_764_151_200_000L;
    int x = 0;
    for (int i = 0; i < 2_000; i++) {
      ts += r.nextInt(0, 4);
      x += r.nextInt(-3, 4);
      in.add(new EventBlocks.Entry(i + 1, new RawEvent(UUID.randomUUID().toString(), SESSION, ts, new MouseMove(x, -x, 1.5))));
    }
    long fromTs = in.get(700).event().timestampMs();
    EventBlocks.Keep keep = (seq, t) -> t >= fromTs && seq % 3 != 0;
    List<EventBlocks.Entry> expected = in.stream().filter(e -> keep.test(e.seq(), e.event().timestampMs())).toList();
    assertTrue(expected.size() > 500 && expected.size() < 1_400, "kept " + expected.size());
    assertEquals(expected, EventBlocks.decode(EventBlocks.encode(in), SESSION, EventType.MOUSE_MOVE, keep));
  }
}
