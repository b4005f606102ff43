package dev.skellyjelly.storage.impl;

import java.util.Arrays;

/** The byte level of the event blocks: varints, zigzag, fixed longs and short decimals, written and read. */
final class BlockBytes {

  static final double[] POW10 = {1, 10, 100, 1000, 10000};
  static final int RAW_DOUBLE = 7;

  private BlockBytes() {
  }

  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  /** A growable byte array with varint writers. */
  static final class Out {
    byte[] buf;
    int size;

    Out(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    Out varint(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[size++] = (byte) v;
      return this;
    }

    Out longBits(long v) {
      ensure(8);
      for (int i = 0; i < 8; i++) {
        buf[size++] = (byte) (v >>> (56 - 8 * i));
      }
      return this;
    }

    Out bytes(byte[] b) {
      return bytes(b, b.length);
    }

    Out bytes(byte[] b, int len) {
      ensure(len);
      System.arraycopy(b, 0, buf, size, len);
      size += len;
      return this;
    }

    /** A double as its scaled integer when it has at most four decimals (exactly), else its 8 bytes. */
    Out decimal(double v) {
      for (int k = 0; k < POW10.length; k++) {
        double scaled = v * POW10[k];
        if (Math.abs(scaled) < 1e15) {
          long r = Math.round(scaled);
          if (r / POW10[k] == v && Double.doubleToRawLongBits(r / POW10[k]) == Double.doubleToRawLongBits(v)) {
            return varint((zigzag(r) << 3) | k);
          }
        }
      }
      varint(RAW_DOUBLE);
      long bits = Double.doubleToRawLongBits(v);
      ensure(8);
      for (int i = 0; i < 8; i++) {
        buf[size++] = (byte) (bits >>> (56 - 8 * i));
      }
      return this;
    }
  }

  static final class In {
    final byte[] buf;
    int pos;
    final int end;

    In(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    long varint() {
      long v = 0;
      int shift = 0;
      while (true) {
        if (pos >= end) {
          throw new IllegalStateException("event block cut short");
        }
        byte b = buf[pos++];
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
        shift += 7;
      }
    }

    byte[] bytes(int n) {
      if (pos + n > end) {
        throw new IllegalStateException("event block cut short");
      }
      byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return b;
    }

    long longBits() {
      if (pos + 8 > end) {
        throw new IllegalStateException("event block cut short");
      }
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (buf[pos++] & 0xFF);
      }
      return v;
    }

    void skip(int n) {
      if (n < 0 || pos + n > end) {
        throw new IllegalStateException("event block cut short");
      }
      pos += n;
    }

    double decimal() {
      long tag = varint();
      int k = (int) (tag & 7);
      if (k == RAW_DOUBLE && tag == RAW_DOUBLE) {
        long bits = 0;
        for (int i = 0; i < 8; i++) {
          bits = (bits << 8) | (buf[pos++] & 0xFF);
        }
        return Double.longBitsToDouble(bits);
      }
      return unzigzag(tag >>> 3) / POW10[k];
    }
  }
}
