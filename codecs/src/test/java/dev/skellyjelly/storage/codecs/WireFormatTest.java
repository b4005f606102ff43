package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The versioned binary form the cluster codecs put on the wire: every event kind and a batch survive it
 * unchanged, and every malformed input is an {@link IllegalArgumentException} (what the receiver turns into
 * {@code bad_wire}), never another exception and never a hang.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WireFormatTest {

  static final String ID = "8a6f0c1e-1111-4a2b-8c3d-0123456789ab";
  static final String SESSION = "5b1d2c3e-2222-4b3c-9d4e-abcdefabcdef";
  static final String SHOT_ID = "c0ffee00-3333-4c4d-8e5f-00112233aabb";
  static final String WINDOW = "ffffffff-ffff-4fff-bfff-ffffffffffff";
  static final long TS = 1_795_687_200_123L; // 2026-11-26T10:00:00.123Z
  static final String UNICODE = "\u0000\u0001\t\n\r\u001b\u007f\u0085 ünï©ødé — 漢字 עברית 🦴🪼👩‍💻 e\u0301 \uFEFF";

  static final Keystroke.Modifiers ALL = new Keystroke.Modifiers(true, true, true, true);
  static final Keystroke.Modifiers NONE = new Keystroke.Modifiers(false, false, false, false);

  static byte[] png(int w, int h, int extra) {
    return EventJsonTest.png(w, h, extra);
  }

  /** Every kind, with every nullable field both ways, edge values, an image, and unicode. */
  static List<RawEvent> events() {
    List<RawEvent> l = new ArrayList<>();
    l.add(new RawEvent(ID, SESSION, TS, new Keystroke(65, new Keystroke.Modifiers(true, false, true, false), 120L)));
    l.add(new RawEvent(null, null, 0, new Keystroke(0, NONE, null)));
    l.add(new RawEvent(ID, null, TS, new Keystroke(4294967295L, ALL, 4294967295L)));
    l.add(new RawEvent(null, SESSION, Long.MAX_VALUE, new Keystroke(2147483648L, new Keystroke.Modifiers(false, true,
      false, true), 0L)));
    l.add(new RawEvent(ID, SESSION, TS, new MouseMove(Integer.MIN_VALUE, Integer.MAX_VALUE, 812.5)));
    l.add(new RawEvent(null, null, TS, new MouseMove(0, -1, 0.0)));
    l.add(new RawEvent(ID, SESSION, TS, new MouseMove(7, 8, Double.MAX_VALUE)));
    l.add(new RawEvent(ID, SESSION, TS, new MouseMove(7, 8, Double.MIN_VALUE)));
    for (MouseClick.Button b : MouseClick.Button.values()) {
      for (MouseClick.ClickType c : MouseClick.ClickType.values()) {
        l.add(new RawEvent(ID, SESSION, TS, new MouseClick(b.ordinal() - 1, -c.ordinal(), b, c)));
      }
    }
    l.add(new RawEvent(ID, SESSION, TS, new WindowFocus(UNICODE, "Mail ✉", 4294967295L, 15000L)));
    l.add(new RawEvent(null, SESSION, TS, new WindowFocus("", "", 0, null)));
    l.add(new RawEvent(ID, SESSION, TS, new WindowFocus("x".repeat(4096), "🦴".repeat(2048), 1, 4294967295L)));
    for (ImageFormat f : ImageFormat.values()) {
      // The wire form carries any bytes; header checks are the validator's job.
      l.add(new RawEvent(ID, SESSION, TS, new Screenshot(SHOT_ID, f, png(1920, 1080, 500), UNICODE, "Word",
        new Screenshot.Region(-1920, Integer.MIN_VALUE, 4294967295L, 1080), false)));
    }
    l.add(new RawEvent(ID, null, TS, new Screenshot(SHOT_ID, ImageFormat.PNG, null, "locked", "1Password",
      new Screenshot.Region(0, 0, 0, 0), true)));
    l.add(new RawEvent(null, null, TS, new Screenshot(SHOT_ID, ImageFormat.WEBP, new byte[0], "", "",
      new Screenshot.Region(1, 2, 3, 4), true)));
    for (ProcessEvent.Change c : ProcessEvent.Change.values()) {
      l.add(new RawEvent(ID, SESSION, TS, new ProcessEvent(4242 + c.ordinal(), "firefox " + UNICODE, c)));
    }
    l.add(new RawEvent(ID, SESSION, TS, new ProcessEvent(4294967295L, "", ProcessEvent.Change.CRASHED)));
    l.add(new RawEvent(ID, SESSION, TS, new ResourceUsage(250.5, 8192, 1.25, 0.0)));
    l.add(new RawEvent(null, null, 1, new ResourceUsage(0.0, 4294967295L, 1e300, 3.141592653589793)));
    return l;
  }

  static EventBatch batch(boolean late, boolean replayed) {
    List<RawEvent> events = new ArrayList<>();
    for (RawEvent e : events()) {
      // A batch's events all have ids and session (storage fills them in) and carry no pixels.
      events.add(new RawEvent(e.id() == null ? Uuids.random() : e.id(), SESSION, e.timestampMs(), e.data())
        .withoutImage());
    }
    List<ScreenshotRef> refs = new ArrayList<>();
    for (ScreenshotStorage s : ScreenshotStorage.values()) {
      for (ImageFormat f : ImageFormat.values()) {
        refs.add(new ScreenshotRef(Uuids.random(), TS + s.ordinal(), f, 5L << 20 | f.ordinal(), 1920, 1080, s));
      }
    }
    refs.add(new ScreenshotRef(SHOT_ID, 0, ImageFormat.PNG, Long.MAX_VALUE, Integer.MAX_VALUE, 1,
      ScreenshotStorage.DELETED));
    return new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 2, 3, late, replayed, late ? 12_345 : 0,
      events, refs);
  }

  /** The events whose message stays under 2 KB: the sweeps below are quadratic in message size. */
  static List<RawEvent> smallEvents() {
    List<RawEvent> l = new ArrayList<>();
    for (RawEvent e : events()) {
      if (message(e).length() < 2048) {
        l.add(e);
      }
    }
    assertEquals(events().size() - 1, l.size());
    return l;
  }

  static EventBatch smallBatch() {
    EventBatch b = batch(true, false);
    List<RawEvent> events = new ArrayList<>();
    for (RawEvent e : b.events()) {
      if (!(e.data() instanceof WindowFocus w) || w.windowTitle().length() < 100) {
        events.add(e);
      }
    }
    return new EventBatch(b.windowId(), b.sessionId(), b.windowStartMs(), b.windowEndMs(), b.part(), b.parts(),
      b.late(), b.replayed(), b.pausedMs(), events, b.screenshotRefs());
  }

  static Buffer message(RawEvent e) {
    Buffer b = Buffer.buffer();
    WireFormat.writeMessage(b, e);
    return b;
  }

  static Buffer message(EventBatch batch) {
    Buffer b = Buffer.buffer();
    WireFormat.writeMessage(b, batch);
    return b;
  }

  static Buffer message(ScreenshotRef ref) {
    Buffer b = Buffer.buffer();
    WireFormat.writeMessage(b, ref);
    return b;
  }

  /** The three readers, for the malformed-input tests. */
  static final List<BiFunction<Buffer, Integer, Object>> READERS = List.of(
    WireFormat::readEventMessage, WireFormat::readBatchMessage, WireFormat::readRefMessage);

  static void assertBad(Buffer b, BiFunction<Buffer, Integer, Object> reader, String label) {
    // assertThrows fails on any other exception type, which is the point.
    assertThrows(IllegalArgumentException.class, () -> reader.apply(b, 0), label);
  }

  /** Decoding either succeeds or says IllegalArgumentException; nothing else escapes. */
  static void assertDecodesOrIae(Buffer b, BiFunction<Buffer, Integer, Object> reader, String label) {
    try {
      reader.apply(b, 0);
    } catch (IllegalArgumentException expected) {
      // fine
    } catch (RuntimeException | Error other) {
      throw new AssertionError(label + ": " + other, other);
    }
  }

  static Buffer copy(Buffer b) {
    return b.copy();
  }

  // ---------------------------------------------------------------- round trips

  @Test
  void everyEventKindRoundTrips() {
    List<RawEvent> events = events();
    for (EventType t : EventType.values()) {
      assertEquals(true, events.stream().anyMatch(e -> e.eventType() == t), t.wireName());
    }
    for (RawEvent e : events) {
      assertEquals(e, WireFormat.readEventMessage(message(e), 0), e.toString());
    }
  }

  @Test
  void imageBytesSurviveExactly() {
    byte[] img = new byte[70_000];
    new Random(7).nextBytes(img);
    RawEvent e = new RawEvent(ID, SESSION, TS, new Screenshot(SHOT_ID, ImageFormat.HEIC, img, "t", "a",
      new Screenshot.Region(0, 0, 1, 1), false));
    Screenshot back = (Screenshot) WireFormat.readEventMessage(message(e), 0).data();
    assertArrayEquals(img, back.image());
  }

  @Test
  void nullIdsAndNullableFieldsStayNull() {
    RawEvent e = new RawEvent(null, null, TS, new WindowFocus("t", "a", 1, null));
    RawEvent back = WireFormat.readEventMessage(message(e), 0);
    assertNull(back.id());
    assertNull(back.sessionId());
    assertNull(((WindowFocus) back.data()).durationMs());
    RawEvent masked = new RawEvent(null, null, TS, new Screenshot(SHOT_ID, ImageFormat.PNG, null, "t", "a",
      new Screenshot.Region(0, 0, 1, 1), true));
    assertNull(((Screenshot) WireFormat.readEventMessage(message(masked), 0).data()).image());
  }

  @Test
  void unicodeStringsSurvive() {
    RawEvent e = new RawEvent(ID, SESSION, TS, new WindowFocus(UNICODE, UNICODE + "x", 1, null));
    WindowFocus back = (WindowFocus) WireFormat.readEventMessage(message(e), 0).data();
    assertEquals(UNICODE, back.windowTitle());
    assertEquals(UNICODE + "x", back.appName());
  }

  @Test
  void upperCaseUuidsComeBackLowerCase() {
    RawEvent e = new RawEvent(ID.toUpperCase(), SESSION.toUpperCase(), TS, new MouseMove(1, 2, 3));
    RawEvent back = WireFormat.readEventMessage(message(e), 0);
    assertEquals(ID, back.id());
    assertEquals(SESSION, back.sessionId());
  }

  @Test
  void batchWithRefsRoundTrips() {
    for (boolean late : new boolean[] {false, true}) {
      for (boolean replayed : new boolean[] {false, true}) {
        EventBatch b = batch(late, replayed);
        assertEquals(b, WireFormat.readBatchMessage(message(b), 0));
      }
    }
    EventBatch empty = new EventBatch(WINDOW, SESSION, 0, 30_000, 0, 1, false, false, List.of(), List.of());
    assertEquals(empty, WireFormat.readBatchMessage(message(empty), 0));
  }

  @Test
  void batchCarriesScreenshotsWithoutPixels() {
    RawEvent shot = new RawEvent(ID, SESSION, TS, new Screenshot(SHOT_ID, ImageFormat.PNG, png(8, 8, 100), "t",
      "a", new Screenshot.Region(0, 0, 8, 8), false));
    EventBatch b = new EventBatch(WINDOW, SESSION, 0, 30_000, 0, 1, false, false, List.of(shot), List.of());
    EventBatch back = WireFormat.readBatchMessage(message(b), 0);
    assertEquals(List.of(shot.withoutImage()), back.events());
  }

  @Test
  void batchOfMinimalEventsRoundTrips() {
    // The smallest event on the wire: a keystroke without ids or interval (15 bytes).
    List<RawEvent> events = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      events.add(new RawEvent(null, null, TS + i, new Keystroke(i, NONE, null)));
    }
    EventBatch b = new EventBatch(WINDOW, SESSION, 0, 30_000, 0, 1, false, false, events, List.of());
    assertEquals(b, WireFormat.readBatchMessage(message(b), 0));
  }

  @Test
  void screenshotRefRoundTrips() {
    for (ScreenshotRef ref : batch(false, false).screenshotRefs()) {
      assertEquals(ref, WireFormat.readRefMessage(message(ref), 0));
    }
  }

  @Test
  void messageIsLengthPrefixedThenVersion() {
    List<Buffer> all = new ArrayList<>();
    for (RawEvent e : events()) {
      all.add(message(e));
    }
    all.add(message(batch(false, false).screenshotRefs().get(0)));
    for (Buffer b : all) {
      assertEquals(b.length() - 4, b.getInt(0));
      assertEquals(b.length(), WireFormat.messageLength(b, 0));
      assertEquals(1, b.getByte(4));
      assertEquals(WireFormat.VERSION, b.getByte(4));
    }
    Buffer batch = message(batch(true, true));
    assertEquals(batch.length() - 4, batch.getInt(0));
    assertEquals(2, batch.getByte(4));
    assertEquals(WireFormat.BATCH_VERSION, batch.getByte(4));
  }

  @Test
  void batchCarriesItsPausedMilliseconds() {
    EventBatch paused = batch(true, false);
    assertEquals(12_345, paused.pausedMs());
    assertEquals(12_345, WireFormat.readBatchMessage(message(paused), 0).pausedMs());
  }

  @Test
  void versionOneBatchIsStillReadAsNeverPaused() {
    // A version-1 batch: the version-2 message without its paused_ms long (the 8 bytes after the flags byte).
    EventBatch b = batch(false, true);
    Buffer v2 = message(b);
    int flagsEnd = 4 + 1 + 16 + 16 + 8 + 8 + 4 + 4 + 1;
    Buffer v1 = Buffer.buffer().appendInt(v2.length() - 4 - 8).appendByte((byte) 1)
      .appendBuffer(v2.slice(5, flagsEnd)).appendBuffer(v2.slice(flagsEnd + 8, v2.length()));
    EventBatch read = WireFormat.readBatchMessage(v1, 0);
    assertEquals(0, read.pausedMs());
    assertEquals(b, read);
  }

  @Test
  void readsAtAnOffsetAndAppendsAfterExistingBytes() {
    // Codecs are handed a position inside a larger buffer, and write after what is already there.
    RawEvent e = events().get(0);
    Buffer b = Buffer.buffer().appendString("prefix!");
    WireFormat.writeMessage(b, e);
    int second = b.length();
    WireFormat.writeMessage(b, events().get(4));
    assertEquals(e, WireFormat.readEventMessage(b, 7));
    assertEquals(second, 7 + WireFormat.messageLength(b, 7));
    assertEquals(events().get(4), WireFormat.readEventMessage(b, second));
  }

  // ---------------------------------------------------------------- malformed input

  @Test
  void wrongVersionIsRejected() {
    Buffer[] messages = {message(events().get(0)), message(batch(false, false)),
      message(batch(false, false).screenshotRefs().get(0))};
    for (int i = 0; i < 3; i++) {
      // Version 1 is a batch's old form and 2 its current one: each message's next version is unknown.
      for (byte v : new byte[] {0, (byte) (i == 1 ? 3 : 2), 127, -1, -128}) {
        Buffer b = copy(messages[i]);
        b.setByte(4, v);
        assertBad(b, READERS.get(i), "version " + v);
      }
    }
  }

  @Test
  void truncatedAtEveryLengthIsRejected() {
    List<Buffer> messages = new ArrayList<>();
    List<Integer> readers = new ArrayList<>();
    for (RawEvent e : smallEvents()) {
      messages.add(message(e));
      readers.add(0);
    }
    messages.add(message(smallBatch()));
    readers.add(1);
    messages.add(message(batch(false, false).screenshotRefs().get(0)));
    readers.add(2);
    for (int m = 0; m < messages.size(); m++) {
      Buffer full = messages.get(m);
      BiFunction<Buffer, Integer, Object> reader = READERS.get(readers.get(m));
      for (int len = 0; len < full.length(); len++) {
        // Cut off, the length prefix promising more than there is.
        assertBad(full.getBuffer(0, len), reader, "message " + m + " cut at " + len);
        // Cut off with the prefix rewritten to match, so the body itself runs short.
        if (len >= 4) {
          Buffer honest = full.getBuffer(0, len);
          honest.setInt(0, len - 4);
          assertBad(honest, reader, "message " + m + " honestly cut at " + len);
        }
      }
    }
  }

  @Test
  void badMessageLengthIsRejected() {
    Buffer full = message(events().get(0));
    for (int len : new int[] {-1, -5, Integer.MIN_VALUE, 0, full.length() - 3, Integer.MAX_VALUE, 0x7FFF_FFF0}) {
      Buffer b = copy(full);
      b.setInt(0, len);
      assertBad(b, READERS.get(0), "length " + len);
    }
    // A position outside the buffer.
    assertBad(full, (buf, pos) -> WireFormat.readEventMessage(buf, -1), "pos -1");
    assertBad(full, (buf, pos) -> WireFormat.readEventMessage(buf, full.length()), "pos at end");
  }

  @Test
  void flagsAndStringLengthsOfAWindowsPackedFormAreRejectedOnTheWire() {
    // A window's list leaves out its session, keeps ids that are not UUIDs as text and strings UTF-8 cannot hold as
    // UTF-16 units; none of that is read from a peer's message.
    RawEvent focus = new RawEvent(ID, SESSION, TS, new WindowFocus("t", "app", 7, null));
    Buffer full = message(focus);
    for (int flag : new int[] {4, 8, 16}) {
      Buffer b = copy(full);
      b.setByte(5, (byte) (b.getByte(5) | flag));
      assertBad(b, READERS.get(0), "flag " + flag);
    }
    // The title's length, after the header, flags, ids, timestamp and type byte.
    int title = 4 + 1 + 1 + 16 + 16 + 8 + 1;
    assertEquals(1, full.getInt(title));
    Buffer negative = copy(full);
    negative.setInt(title, -2);
    assertBad(negative, READERS.get(0), "a negative string length");
  }

  @Test
  void trailingBytesInsideTheMessageAreRejected() {
    Buffer[] messages = {message(events().get(0)), message(batch(false, false)),
      message(batch(false, false).screenshotRefs().get(0))};
    for (int i = 0; i < 3; i++) {
      for (int extra = 1; extra <= 20; extra++) {
        Buffer b = copy(messages[i]).appendBytes(new byte[extra]);
        b.setInt(0, b.length() - 4);
        assertBad(b, READERS.get(i), "reader " + i + " with " + extra + " trailing bytes");
      }
    }
  }

  @Test
  void badCountsInABatchAreRejected() {
    EventBatch empty = new EventBatch(WINDOW, SESSION, 0, 30_000, 0, 1, false, false, List.of(), List.of());
    // Header 5, window and session 32, bounds 16, part and parts 8, flags 1, paused_ms 8: the event count is at 70.
    int eventCount = 5 + 32 + 16 + 8 + 1 + 8;
    int refCount = eventCount + 4;
    Buffer base = message(empty);
    assertEquals(refCount + 4, base.length());
    for (int at : new int[] {eventCount, refCount}) {
      for (int n : new int[] {-1, Integer.MIN_VALUE, 1, 2, 1_000_000, Integer.MAX_VALUE}) {
        Buffer b = copy(base);
        b.setInt(at, n);
        assertBad(b, READERS.get(1), "count " + n + " at " + at);
      }
    }
  }

  @Test
  void badStringAndImageLengthsAreRejected() {
    // A window_focus event without ids: header 5, flags 1, timestamp 8, type 1, then the title's length.
    Buffer focus = message(new RawEvent(null, null, TS, new WindowFocus("title", "app", 1, null)));
    int titleLen = 5 + 1 + 8 + 1;
    assertEquals(5, focus.getInt(titleLen));
    for (int n : new int[] {-1, Integer.MIN_VALUE, 6, 1 << 20, 0x7FFF_FFF0, Integer.MAX_VALUE}) {
      Buffer b = copy(focus);
      b.setInt(titleLen, n);
      assertBad(b, READERS.get(0), "title length " + n);
    }
    // A screenshot: the image length is the 4 bytes before the image, which ends the message.
    byte[] img = png(8, 8, 10);
    Buffer shot = message(new RawEvent(null, null, TS, new Screenshot(SHOT_ID, ImageFormat.PNG, img, "", "",
      new Screenshot.Region(0, 0, 8, 8), false)));
    int imageLen = shot.length() - img.length - 4;
    assertEquals(img.length, shot.getInt(imageLen));
    for (int n : new int[] {-1, Integer.MIN_VALUE, img.length + 1, 0x7FFF_FFF0, Integer.MAX_VALUE}) {
      Buffer b = copy(shot);
      b.setInt(imageLen, n);
      assertBad(b, READERS.get(0), "image length " + n);
    }
  }

  @Test
  void badTypeAndEnumCodesAreRejected() {
    Buffer click = message(new RawEvent(null, null, TS, new MouseClick(1, 2, MouseClick.Button.LEFT,
      MouseClick.ClickType.SINGLE)));
    int typeAt = 5 + 1 + 8;
    for (byte code : new byte[] {7, 8, 127, -1, -128}) {
      Buffer b = copy(click);
      b.setByte(typeAt, code);
      assertBad(b, READERS.get(0), "type code " + code);
    }
    int buttonAt = typeAt + 1 + 8;
    for (int at : new int[] {buttonAt, buttonAt + 1}) {
      for (byte v : new byte[] {3, 100, -1}) {
        Buffer b = copy(click);
        b.setByte(at, v);
        assertBad(b, READERS.get(0), "enum " + v + " at " + at);
      }
    }
  }

  @Test
  void randomGarbageIsRejected() {
    Random rnd = new Random(0x5E11);
    for (int i = 0; i < 5_000; i++) {
      byte[] bytes = new byte[rnd.nextInt(300)];
      rnd.nextBytes(bytes);
      Buffer b = Buffer.buffer(bytes);
      for (BiFunction<Buffer, Integer, Object> reader : READERS) {
        assertBad(b, reader, "garbage #" + i);
      }
    }
  }

  @Test
  void randomBodiesBehindAValidHeaderNeverThrowAnythingElse() {
    // A sound length and version, then anything: decoding may by chance succeed, but fails only with IAE.
    Random rnd = new Random(0xB0D1);
    for (int i = 0; i < 10_000; i++) {
      byte[] body = new byte[rnd.nextInt(200)];
      rnd.nextBytes(body);
      if (body.length > 0 && rnd.nextBoolean()) {
        body[0] &= 3; // valid id/session flags, to reach deeper
      }
      if (body.length > 9 && rnd.nextBoolean()) {
        body[9] = (byte) rnd.nextInt(EventType.values().length);
      }
      Buffer b = Buffer.buffer().appendInt(body.length + 1).appendByte(WireFormat.VERSION).appendBytes(body);
      for (BiFunction<Buffer, Integer, Object> reader : READERS) {
        assertDecodesOrIae(b, reader, "body #" + i);
      }
    }
  }

  @Test
  void everySingleByteCorruptionNeverThrowsAnythingElse() {
    List<Buffer> messages = new ArrayList<>();
    for (RawEvent e : smallEvents()) {
      messages.add(message(e));
    }
    Random rnd = new Random(42);
    for (Buffer full : messages) {
      for (int at = 0; at < full.length(); at++) {
        for (int k = 0; k < 2; k++) {
          Buffer b = copy(full);
          b.setByte(at, (byte) rnd.nextInt(256));
          assertDecodesOrIae(b, READERS.get(0), "byte " + at);
        }
      }
    }
    Buffer batch = message(smallBatch());
    for (int at = 0; at < batch.length(); at++) {
      Buffer b = copy(batch);
      b.setByte(at, (byte) ~b.getByte(at));
      assertDecodesOrIae(b, READERS.get(1), "batch byte " + at);
    }
  }
}
