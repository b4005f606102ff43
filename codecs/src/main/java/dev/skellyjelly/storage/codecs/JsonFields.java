package dev.skellyjelly.storage.codecs;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The map behind the JSON objects this module builds field by field ({@link JsonForm}, a batch's object): keys
 * and values in two arrays, in insertion order, found by a scan. An event's few fields cost a third of the
 * memory they would in a linked hash map, which is what the garbage collector pays for when many are built. A
 * complete map: the holder of an eagerly encoded event may change it like any other; a published batch, its
 * events and its screenshot refs are {@link #readOnly()}. The query side builds the items of its long lists with it.
 */
public final class JsonFields extends AbstractMap<String, Object> {

  private String[] keys;
  private Object[] values;
  private int size;
  private boolean readOnly;

  public JsonFields(int capacity) {
    keys = new String[Math.max(1, capacity)];
    values = new Object[keys.length];
  }

  /**
   * Makes every later change throw {@link UnsupportedOperationException}, as the JDK's unmodifiable maps do,
   * without a wrapper around the map and each entry read (which cost a batch's encoder a quarter more garbage).
   */
  JsonFields readOnly() {
    readOnly = true;
    return this;
  }

  private void checkWritable() {
    if (readOnly) {
      throw new UnsupportedOperationException("a published JSON object is read-only: change a copy");
    }
  }

  private int indexOf(Object key) {
    for (int i = 0; i < size; i++) {
      if (keys[i] == key) {
        return i;
      }
    }
    for (int i = 0; i < size; i++) {
      if (keys[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public Object get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : values[i];
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public Object put(String key, Object value) {
    checkWritable();
    Objects.requireNonNull(key, "key");
    int i = indexOf(key);
    if (i >= 0) {
      Object old = values[i];
      values[i] = value;
      return old;
    }
    append(key, value);
    return null;
  }

  /**
   * Adds a key that the map does not hold yet, without looking for it: for a builder whose keys are distinct
   * ({@link JsonForm}'s, a batch's), which {@link #put} would compare with every key before it.
   */
  public void add(String key, Object value) {
    checkWritable();
    Objects.requireNonNull(key, "key");
    append(key, value);
  }

  private void append(String key, Object value) {
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    keys[size] = key;
    values[size++] = value;
  }

  @Override
  public Object remove(Object key) {
    checkWritable();
    int i = indexOf(key);
    if (i < 0) {
      return null;
    }
    Object old = values[i];
    removeAt(i);
    return old;
  }

  private void removeAt(int i) {
    System.arraycopy(keys, i + 1, keys, i, size - i - 1);
    System.arraycopy(values, i + 1, values, i, size - i - 1);
    size--;
    keys[size] = null;
    values[size] = null;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void clear() {
    checkWritable();
    Arrays.fill(keys, 0, size, null);
    Arrays.fill(values, 0, size, null);
    size = 0;
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<Entry<String, Object>> iterator() {
        return new Iterator<>() {
          private int next;
          private int last = -1;

          @Override
          public boolean hasNext() {
            return next < size;
          }

          @Override
          public Entry<String, Object> next() {
            if (next >= size) {
              throw new NoSuchElementException();
            }
            last = next++;
            return new Field(last);
          }

          @Override
          public void remove() {
            checkWritable();
            if (last < 0) {
              throw new IllegalStateException();
            }
            removeAt(last);
            next = last;
            last = -1;
          }
        };
      }
    };
  }

  /** One key and value, writing through to the map; equal, hashed and shown as {@link Map.Entry} says. */
  private final class Field implements Map.Entry<String, Object> {
    private final int index;

    Field(int index) {
      this.index = index;
    }

    @Override
    public String getKey() {
      return keys[index];
    }

    @Override
    public Object getValue() {
      return values[index];
    }

    @Override
    public Object setValue(Object value) {
      checkWritable();
      Object old = values[index];
      values[index] = value;
      return old;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Map.Entry<?, ?> e && getKey().equals(e.getKey()) && Objects.equals(getValue(), e.getValue());
    }

    @Override
    public int hashCode() {
      return getKey().hashCode() ^ Objects.hashCode(getValue());
    }

    @Override
    public String toString() {
      return getKey() + "=" + getValue();
    }
  }
}
