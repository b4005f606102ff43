package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact binary form of events and batches: what the cluster codecs put on the wire and what the
 * database keeps of an event's {@code data}. A message starts with its length (int) and a version byte;
 * UUIDs travel as 16 bytes, u32 as 4, strings as length + UTF-8.
 */
public final class WireFormat {

  /** The version byte every event and screenshot-reference message starts with (after its length). */
  public static final byte VERSION = 1;
  /**
   * The version byte of a batch message: 2 since batches carry {@code paused_ms} (a long after the flags);
   * a version-1 batch is still read, as one without a pause.
   */
  public static final byte BATCH_VERSION = 2;

  static final int HAS_ID = 1;
  static final int HAS_SESSION = 2;
  /** The event's session is the one its reader supplies ({@link MeasuredEvents}: a window's events share one). */
  static final int IMPLIED_SESSION = 4;
  /** Ids that are not canonical UUID text, kept as text (only where a session is implied: never on the wire). */
  static final int ID_TEXT = 8;
  static final int SESSION_TEXT = 16;

  private WireFormat() {
  }

  // ---------------------------------------------------------------- messages

  /** Appends a length-prefixed, versioned event. */
  public static void writeMessage(Buffer out, RawEvent e) {
    int start = out.length();
    out.appendInt(0).appendByte(VERSION);
    writeEvent(out, e, true);
    out.setInt(start, out.length() - start - 4);
  }

  /** Reads a length-prefixed, versioned event starting at {@code pos}. */
  public static RawEvent readEventMessage(Buffer in, int pos) {
    Reader r = openMessage(in, pos);
    RawEvent e = readEvent(r);
    r.expectEnd();
    return e;
  }

  /** Appends a length-prefixed, versioned batch. */
  public static void writeMessage(Buffer out, EventBatch b) {
    int start = out.length();
    out.appendInt(0).appendByte(BATCH_VERSION);
    writeUuid(out, b.windowId());
    writeUuid(out, b.sessionId());
    out.appendLong(b.windowStartMs()).appendLong(b.windowEndMs()).appendInt(b.part()).appendInt(b.parts());
    out.appendByte((byte) ((b.late() ? 1 : 0) | (b.replayed() ? 2 : 0)));
    out.appendLong(b.pausedMs());
    out.appendInt(b.events().size());
    for (RawEvent e : b.events()) {
      writeEvent(out, e, false);
    }
    out.appendInt(b.screenshotRefs().size());
    for (ScreenshotRef ref : b.screenshotRefs()) {
      writeRef(out, ref);
    }
    out.setInt(start, out.length() - start - 4);
  }

  public static EventBatch readBatchMessage(Buffer in, int pos) {
    byte version = pos >= 0 && pos + 5 <= in.length() ? in.getByte(pos + 4) : VERSION;
    Reader r = openMessage(in, pos, version == BATCH_VERSION ? BATCH_VERSION : VERSION);
    String windowId = readUuid(r);
    String session = readUuid(r);
    long start = r.readLong();
    long end = r.readLong();
    int part = r.readInt();
    int parts = r.readInt();
    int flags = r.readByte();
    long pausedMs = version == BATCH_VERSION ? r.readLong() : 0;
    int n = r.readCount(15); // smallest event: a keystroke without ids or interval
    List<RawEvent> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      events.add(readEvent(r));
    }
    int m = r.readCount(41);
    List<ScreenshotRef> refs = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      refs.add(readRef(r));
    }
    r.expectEnd();
    return new EventBatch(windowId, session, start, end, part, parts, (flags & 1) != 0, (flags & 2) != 0, pausedMs, events,
      refs);
  }

  /** Appends a length-prefixed, versioned screenshot reference. */
  public static void writeMessage(Buffer out, ScreenshotRef ref) {
    int start = out.length();
    out.appendInt(0).appendByte(VERSION);
    writeRef(out, ref);
    out.setInt(start, out.length() - start - 4);
  }

  public static ScreenshotRef readRefMessage(Buffer in, int pos) {
    Reader r = openMessage(in, pos);
    ScreenshotRef ref = readRef(r);
    r.expectEnd();
    return ref;
  }

  /** The length of the message at {@code pos}, including its 4-byte prefix. */
  public static int messageLength(Buffer in, int pos) {
    return 4 + in.getInt(pos);
  }

  private static Reader openMessage(Buffer in, int pos) {
    return openMessage(in, pos, VERSION);
  }

  private static Reader openMessage(Buffer in, int pos, byte expected) {
    if (pos < 0 || pos + 5 > in.length()) {
      throw new IllegalArgumentException("wire message cut short before its header");
    }
    int len = in.getInt(pos);
    if (len < 1 || (long) pos + 4 + len > in.length()) {
      throw new IllegalArgumentException("wire message length " + len + " does not fit the " + (in.length() - pos - 4) + " bytes received");
    }
    byte version = in.getByte(pos + 4);
    if (version != expected) {
      throw new IllegalArgumentException("unknown wire version " + version + " (expected " + expected + ")");
    }
    return new Reader(in, pos + 5, pos + 4 + len);
  }

  // ---------------------------------------------------------------- events

  /** Appends an event without length or version (the body of a message). */
  public static void writeEvent(Buffer out, RawEvent e, boolean withImage) {
    writeEvent(out, e, withImage, null);
  }

  /**
   * Appends an event without length or version; when its session is {@code impliedSession} it is left out, for
   * {@link #readEvent(Reader, String)} to supply the same string again.
   */
  static void writeEvent(Buffer out, RawEvent e, boolean withImage, String impliedSession) {
    String id = e.id();
    String session = e.sessionId();
    boolean implied = session != null && session.equals(impliedSession);
    if (impliedSession == null) {
      out.appendByte((byte) ((id != null ? HAS_ID : 0) | (session != null ? HAS_SESSION : 0)));
      if (id != null) {
        writeUuid(out, id);
      }
      if (session != null) {
        writeUuid(out, session);
      }
    } else {
      Uuids.LowerText bits = Uuids.LowerText.SCRATCH.get();
      boolean idText = id != null && !bits.parse(id);
      long idMsb = bits.msb;
      long idLsb = bits.lsb;
      boolean sessionText = session != null && !implied && !bits.parse(session);
      out.appendByte((byte) ((id != null ? HAS_ID : 0) | (idText ? ID_TEXT : 0) | (sessionText ? SESSION_TEXT : 0)
        | (implied ? IMPLIED_SESSION : session != null ? HAS_SESSION : 0)));
      if (idText) {
        writeString(out, id, true);
      } else if (id != null) {
        out.appendLong(idMsb).appendLong(idLsb);
      }
      if (sessionText) {
        writeString(out, session, true);
      } else if (session != null && !implied) {
        out.appendLong(bits.msb).appendLong(bits.lsb);
      }
    }
    out.appendLong(e.timestampMs()).appendByte((byte) e.eventType().code());
    writeData(out, e.data(), withImage, impliedSession != null);
  }

  public static RawEvent readEvent(Reader r) {
    return readEvent(r, null);
  }

  /** Reads an event written by {@link #writeEvent(Buffer, RawEvent, boolean, String)} with {@code impliedSession}. */
  static RawEvent readEvent(Reader r, String impliedSession) {
    int flags = r.readByte();
    if ((flags & (IMPLIED_SESSION | ID_TEXT | SESSION_TEXT)) != 0 && impliedSession == null) {
      throw new IllegalArgumentException("wire event flags " + flags + " are not those of a wire message");
    }
    String id = (flags & HAS_ID) == 0 ? null : (flags & ID_TEXT) != 0 ? r.readString() : readUuid(r);
    String session = (flags & HAS_SESSION) == 0 ? (flags & IMPLIED_SESSION) != 0 ? impliedSession : null
      : (flags & SESSION_TEXT) != 0 ? r.readString() : readUuid(r);
    long ts = r.readLong();
    int code = r.readByte();
    EventType type = EventType.fromCode(code);
    if (type == null) {
      throw new IllegalArgumentException("unknown event type code " + code);
    }
    return new RawEvent(id, session, ts, readData(type, r));
  }

  /** Appends an event's type-specific fields; a screenshot's image only when {@code withImage}. */
  public static void writeData(Buffer out, EventData data, boolean withImage) {
    writeData(out, data, withImage, false);
  }

  /**
   * {@code lossless}: a string that UTF-8 cannot hold as it is (a lone surrogate, which UTF-8 turns into '?') is
   * kept as its UTF-16 units, for a {@link Reader} that reads them ({@link MeasuredEvents}).
   */
  private static void writeData(Buffer out, EventData data, boolean withImage, boolean lossless) {
    if (data instanceof Keystroke k) {
      out.appendInt((int) k.keyCode());
      out.appendByte((byte) (k.modifiers().bits() | (k.interKeyIntervalMs() != null ? 16 : 0)));
      if (k.interKeyIntervalMs() != null) {
        out.appendInt((int) (long) k.interKeyIntervalMs());
      }
    } else if (data instanceof MouseMove m) {
      out.appendInt(m.x()).appendInt(m.y()).appendDouble(m.velocity());
    } else if (data instanceof MouseClick c) {
      out.appendInt(c.x()).appendInt(c.y()).appendByte((byte) c.button().ordinal()).appendByte((byte) c.clickType().ordinal());
    } else if (data instanceof WindowFocus w) {
      writeString(out, w.windowTitle(), lossless);
      writeString(out, w.appName(), lossless);
      out.appendInt((int) w.processId()).appendByte((byte) (w.durationMs() != null ? 1 : 0));
      if (w.durationMs() != null) {
        out.appendInt((int) (long) w.durationMs());
      }
    } else if (data instanceof Screenshot s) {
      writeUuid(out, s.screenshotId());
      out.appendByte((byte) s.format().ordinal());
      writeString(out, s.windowTitle(), lossless);
      writeString(out, s.appName(), lossless);
      Screenshot.Region reg = s.screenRegion();
      out.appendInt(reg.x()).appendInt(reg.y()).appendInt((int) reg.width()).appendInt((int) reg.height());
      boolean image = withImage && s.image() != null;
      out.appendByte((byte) ((s.privacyMasked() ? 1 : 0) | (image ? 2 : 0)));
      if (image) {
        out.appendInt(s.image().length).appendBytes(s.image());
      }
    } else if (data instanceof ProcessEvent p) {
      out.appendInt((int) p.processId());
      writeString(out, p.processName(), lossless);
      out.appendByte((byte) p.eventType().ordinal());
    } else if (data instanceof ResourceUsage r) {
      out.appendDouble(r.cpuPercent()).appendInt((int) r.memoryMb()).appendDouble(r.diskIoMbPerSec())
        .appendDouble(r.networkIoMbPerSec());
    }
  }

  public static EventData readData(EventType type, Reader r) {
    switch (type) {
      case KEYSTROKE: {
        long code = r.readU32();
        int flags = r.readByte();
        Long interval = (flags & 16) != 0 ? r.readU32() : null;
        return new Keystroke(code, Keystroke.Modifiers.ofBits(flags), interval);
      }
      case MOUSE_MOVE:
        return new MouseMove(r.readInt(), r.readInt(), r.readDouble());
      case MOUSE_CLICK:
        return new MouseClick(r.readInt(), r.readInt(), r.readEnum(MouseClick.Button.values()),
          r.readEnum(MouseClick.ClickType.values()));
      case WINDOW_FOCUS: {
        String title = r.readString();
        String app = r.readString();
        long pid = r.readU32();
        Long duration = r.readByte() != 0 ? r.readU32() : null;
        return new WindowFocus(title, app, pid, duration);
      }
      case SCREENSHOT: {
        String sid = readUuid(r);
        ImageFormat format = r.readEnum(ImageFormat.values());
        String title = r.readString();
        String app = r.readString();
        Screenshot.Region region = new Screenshot.Region(r.readInt(), r.readInt(), r.readU32(), r.readU32());
        int flags = r.readByte();
        byte[] image = (flags & 2) != 0 ? r.readBytes(r.readInt()) : null;
        return new Screenshot(sid, format, image, title, app, region, (flags & 1) != 0);
      }
      case PROCESS:
        return new ProcessEvent(r.readU32(), r.readString(), r.readEnum(ProcessEvent.Change.values()));
      case RESOURCE:
        return new ResourceUsage(r.readDouble(), r.readU32(), r.readDouble(), r.readDouble());
      default:
        throw new IllegalArgumentException("unknown event type " + type);
    }
  }

  // ---------------------------------------------------------------- pieces

  private static void writeRef(Buffer out, ScreenshotRef ref) {
    writeUuid(out, ref.screenshotId());
    out.appendLong(ref.timestampMs()).appendByte((byte) ref.format().ordinal()).appendLong(ref.sizeBytes())
      .appendInt(ref.width()).appendInt(ref.height()).appendByte((byte) ref.storage().ordinal());
  }

  private static ScreenshotRef readRef(Reader r) {
    return new ScreenshotRef(readUuid(r), r.readLong(), r.readEnum(ImageFormat.values()), r.readLong(), r.readInt(),
      r.readInt(), r.readEnum(ScreenshotStorage.values()));
  }

  public static void writeUuid(Buffer out, String uuid) {
    out.appendLong(Uuids.mostSignificant(uuid)).appendLong(Uuids.leastSignificant(uuid));
  }

  public static String readUuid(Reader r) {
    return Uuids.fromBits(r.readLong(), r.readLong());
  }

  private static void writeString(Buffer out, String s, boolean lossless) {
    if (lossless && !wellFormed(s)) {
      // A negative length: its complement is the count of UTF-16 units that follow, two bytes each.
      out.appendInt(-1 - s.length());
      for (int i = 0; i < s.length(); i++) {
        out.appendShort((short) s.charAt(i));
      }
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.appendInt(utf8.length).appendBytes(utf8);
  }

  /** Whether every surrogate in {@code s} is half of a pair: UTF-8 then holds it as it is. */
  private static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** A bounds-checked cursor over part of a buffer; every overrun is an {@link IllegalArgumentException}. */
  public static final class Reader {
    private final Buffer in;
    private int pos;
    private final int end;
    /** Whether strings may come as UTF-16 units (never on the wire). */
    private final boolean lossless;

    public Reader(Buffer in, int pos, int end) {
      this(in, pos, end, false);
    }

    Reader(Buffer in, int pos, int end, boolean lossless) {
      this.in = in;
      this.pos = pos;
      this.end = end;
      this.lossless = lossless;
    }

    private int take(int n) {
      if (n < 0 || n > end - pos) {
        throw new IllegalArgumentException("wire form cut short: needs " + n + " bytes at " + pos + ", has " + (end - pos));
      }
      int at = pos;
      pos += n;
      return at;
    }

    public int readByte() {
      return in.getByte(take(1));
    }

    public int readInt() {
      return in.getInt(take(4));
    }

    public long readU32() {
      return in.getUnsignedInt(take(4));
    }

    public long readLong() {
      return in.getLong(take(8));
    }

    public double readDouble() {
      return in.getDouble(take(8));
    }

    public byte[] readBytes(int n) {
      int at = take(n);
      return in.getBytes(at, at + n);
    }

    public String readString() {
      int n = readInt();
      if (n < 0 && lossless) {
        int units = -1 - n;
        int at = take(2 * units);
        char[] chars = new char[units];
        for (int i = 0; i < units; i++) {
          chars[i] = (char) in.getShort(at + 2 * i);
        }
        return new String(chars);
      }
      int at = take(n);
      return in.getString(at, at + n, "UTF-8");
    }

    /** A count of items each at least {@code minItemBytes} long, checked against what remains. */
    int readCount(int minItemBytes) {
      int n = readInt();
      if (n < 0 || (long) n * minItemBytes > end - pos) {
        throw new IllegalArgumentException("wire count " + n + " does not fit the " + (end - pos) + " bytes left");
      }
      return n;
    }

    <E> E readEnum(E[] values) {
      int i = readByte();
      if (i < 0 || i >= values.length) {
        throw new IllegalArgumentException("wire enum value " + i + " out of range");
      }
      return values[i];
    }

    public boolean atEnd() {
      return pos == end;
    }

    public void expectEnd() {
      if (pos != end) {
        throw new IllegalArgumentException("wire message has " + (end - pos) + " trailing bytes");
      }
    }
  }
}
