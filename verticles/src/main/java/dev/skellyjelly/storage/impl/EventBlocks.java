package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.WireFormat;
import dev.skellyjelly.storage.impl.BlockBytes.In;
import dev.skellyjelly.storage.impl.BlockBytes.Out;
import io.vertx.core.buffer.Buffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.skellyjelly.storage.impl.BlockBytes.unzigzag;
import static dev.skellyjelly.storage.impl.BlockBytes.zigzag;

/**
 * The time-series block: the events of one (session, window, event type) stored as columns — commit
 * sequence, timestamps, ids, then the type's fields — delta-encoded as varints and LZ4-compressed when that
 * pays. Ids that share their first 88 bits with the previous one (the module's derived ids do) cost the
 * delta of their last 40 bits; decimals with up to four fractional digits cost their scaled integer. Every
 * value comes back exactly.
 */
public final class EventBlocks {

  private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestJavaInstance().fastCompressor();
  private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestJavaInstance().safeDecompressor();
  private static final long LOW40 = (1L << 40) - 1;

  private EventBlocks() {
  }

  /** One event of a block with its commit sequence number. */
  public record Entry(long seq, RawEvent event) {
  }

  /** Encodes events of one session and one type, in commit order (ascending seq). */
  public static byte[] encode(List<Entry> entries) {
    int n = entries.size();
    Out seqs = new Out(n * 2);
    Out times = new Out(n * 2);
    Out ids = new Out(n * 3);
    Out data = new Out(n * 6);
    long prevSeq = 0;
    long prevTs = 0;
    long prevMsb = 0;
    long prevLsb = 0;
    int prevX = 0;
    int prevY = 0;
    for (Entry e : entries) {
      seqs.varint(e.seq() - prevSeq);
      prevSeq = e.seq();
      RawEvent ev = e.event();
      times.varint(zigzag(ev.timestampMs() - prevTs));
      prevTs = ev.timestampMs();
      long msb = Uuids.mostSignificant(ev.id());
      long lsb = Uuids.leastSignificant(ev.id());
      if (msb == prevMsb && (lsb & ~LOW40) == (prevLsb & ~LOW40)) {
        ids.varint(zigzag((lsb & LOW40) - (prevLsb & LOW40)) << 1);
      } else {
        ids.varint(1).longBits(msb).longBits(lsb);
      }
      prevMsb = msb;
      prevLsb = lsb;
      EventData d = ev.data();
      if (d instanceof MouseMove m) {
        data.varint(zigzag((long) m.x() - prevX)).varint(zigzag((long) m.y() - prevY)).decimal(m.velocity());
        prevX = m.x();
        prevY = m.y();
      } else if (d instanceof Keystroke k) {
        data.varint(k.keyCode());
        data.varint(k.modifiers().bits() | (k.interKeyIntervalMs() != null ? 16 : 0));
        if (k.interKeyIntervalMs() != null) {
          data.varint(k.interKeyIntervalMs());
        }
      } else if (d instanceof MouseClick c) {
        data.varint(zigzag((long) c.x() - prevX)).varint(zigzag((long) c.y() - prevY))
          .varint(c.button().ordinal() * 3L + c.clickType().ordinal());
        prevX = c.x();
        prevY = c.y();
      } else if (d instanceof ResourceUsage r) {
        data.decimal(r.cpuPercent()).varint(r.memoryMb()).decimal(r.diskIoMbPerSec()).decimal(r.networkIoMbPerSec());
      } else {
        byte[] wire = EventRows.data(ev);
        data.varint(wire.length).bytes(wire);
      }
    }
    Out body = new Out(seqs.size + times.size + ids.size + data.size);
    body.bytes(seqs.buf, seqs.size).bytes(times.buf, times.size).bytes(ids.buf, ids.size).bytes(data.buf, data.size);
    byte[] compressed = new byte[COMPRESSOR.maxCompressedLength(body.size)];
    int clen = COMPRESSOR.compress(body.buf, 0, body.size, compressed, 0, compressed.length);
    Out out = new Out(clen + 12);
    out.varint(n);
    if (clen < body.size) {
      out.varint(((long) body.size << 1) | 1).bytes(compressed, clen);
    } else {
      out.varint((long) body.size << 1).bytes(body.buf, body.size);
    }
    return Arrays.copyOf(out.buf, out.size);
  }

  /** Decodes a block of {@code type} events of {@code session}. */
  public static List<Entry> decode(byte[] block, String session, EventType type) {
    return decode(block, session, type, (seq, ts) -> true);
  }

  /**
   * Adds the ids of a block's events to {@code into}, reading only the columns up to them: what an import checks
   * its events against.
   */
  public static void ids(byte[] block, java.util.Collection<java.util.UUID> into) {
    Columns cols = new Columns(block);
    IdColumn ids = new IdColumn(cols.in);
    for (int i = 0; i < cols.n; i++) {
      ids.next();
      into.add(ids.uuid());
    }
  }

  /**
   * The id column, read in order: an id is either whole (tag 1, both halves) or the one before it with its low 40
   * bits moved by a zigzag delta.
   */
  private static final class IdColumn {
    private final In in;
    private long msb;
    private long lsb;

    IdColumn(In in) {
      this.in = in;
    }

    /** Reads the next event's id. */
    void next() {
      long tag = in.varint();
      if (tag == 1) {
        msb = in.longBits();
        lsb = in.longBits();
      } else {
        lsb = (lsb & ~LOW40) | (((lsb & LOW40) + unzigzag(tag >>> 1)) & LOW40);
      }
    }

    java.util.UUID uuid() {
      return new java.util.UUID(msb, lsb);
    }
  }

  /** Which events of a block to build, by commit sequence number and timestamp. */
  public interface Keep {
    boolean test(long seq, long timestampMs);
  }

  /**
   * Decodes the events of a block that {@code keep} accepts: the others are only skipped over (their ids and
   * fields are never built), so reading a few events of a large block costs little more than its timestamps.
   */
  public static List<Entry> decode(byte[] block, String session, EventType type, Keep keep) {
    Columns cols = new Columns(block);
    int n = cols.n;
    long[] seqs = cols.seqs;
    long[] times = cols.times;
    In in = cols.in;
    boolean[] kept = new boolean[n];
    int keptN = 0;
    for (int i = 0; i < n; i++) {
      kept[i] = keep.test(seqs[i], times[i]);
      keptN += kept[i] ? 1 : 0;
    }
    if (keptN == 0) {
      return new ArrayList<>();
    }
    String[] ids = new String[n];
    IdColumn idColumn = new IdColumn(in);
    for (int i = 0; i < n; i++) {
      idColumn.next();
      if (kept[i]) {
        ids[i] = idColumn.uuid().toString();
      }
    }
    List<Entry> out = new ArrayList<>(keptN);
    int x = 0;
    int y = 0;
    for (int i = 0; i < n && out.size() < keptN; i++) {
      EventData d = null;
      switch (type) {
        case MOUSE_MOVE: {
          x += (int) unzigzag(in.varint());
          y += (int) unzigzag(in.varint());
          double velocity = in.decimal();
          d = kept[i] ? new MouseMove(x, y, velocity) : null;
          break;
        }
        case KEYSTROKE: {
          long code = in.varint();
          int flags = (int) in.varint();
          Long interval = (flags & 16) != 0 ? in.varint() : null;
          if (kept[i]) {
            d = new Keystroke(code, Keystroke.Modifiers.ofBits(flags), interval);
          }
          break;
        }
        case MOUSE_CLICK: {
          x += (int) unzigzag(in.varint());
          y += (int) unzigzag(in.varint());
          int kind = (int) in.varint();
          d = kept[i] ? new MouseClick(x, y, MouseClick.Button.values()[kind / 3],
            MouseClick.ClickType.values()[kind % 3]) : null;
          break;
        }
        case RESOURCE: {
          double cpu = in.decimal();
          long memory = in.varint();
          double disk = in.decimal();
          double network = in.decimal();
          d = kept[i] ? new ResourceUsage(cpu, memory, disk, network) : null;
          break;
        }
        default: {
          int wlen = (int) in.varint();
          if (kept[i]) {
            byte[] wire = in.bytes(wlen);
            d = WireFormat.readData(type, new WireFormat.Reader(Buffer.buffer(wire), 0, wlen));
          } else {
            in.skip(wlen);
          }
        }
      }
      if (kept[i]) {
        out.add(new Entry(seqs[i], new RawEvent(ids[i], session, times[i], d)));
      }
    }
    return out;
  }

  /** A resource sample's commit sequence number, timestamp and memory. */
  record Memory(long seq, long timestampMs, long memoryMb) {
  }

  /** The memory of each sample of a resource block, without building its event. */
  static List<Memory> resourceMemory(byte[] block) {
    Columns cols = new Columns(block);
    In in = cols.in;
    for (int i = 0; i < cols.n; i++) {
      if (in.varint() == 1) {
        in.skip(16);
      }
    }
    List<Memory> out = new ArrayList<>(cols.n);
    for (int i = 0; i < cols.n; i++) {
      in.decimal();
      long memory = in.varint();
      in.decimal();
      in.decimal();
      out.add(new Memory(cols.seqs[i], cols.times[i], memory));
    }
    return out;
  }

  /** A block's body, its sequence numbers and timestamps read; {@link #in} is at the ids. */
  private static final class Columns {
    final int n;
    final long[] seqs;
    final long[] times;
    final In in;

    Columns(byte[] block) {
      In header = new In(block, 0, block.length);
      n = (int) header.varint();
      long lenAndFlag = header.varint();
      int len = (int) (lenAndFlag >>> 1);
      byte[] body;
      if ((lenAndFlag & 1) != 0) {
        body = new byte[len];
        DECOMPRESSOR.decompress(block, header.pos, block.length - header.pos, body, 0, len);
      } else {
        body = Arrays.copyOfRange(block, header.pos, header.pos + len);
      }
      in = new In(body, 0, body.length);
      seqs = new long[n];
      long prev = 0;
      for (int i = 0; i < n; i++) {
        prev += in.varint();
        seqs[i] = prev;
      }
      times = new long[n];
      prev = 0;
      for (int i = 0; i < n; i++) {
        prev += unzigzag(in.varint());
        times[i] = prev;
      }
    }
  }
}
