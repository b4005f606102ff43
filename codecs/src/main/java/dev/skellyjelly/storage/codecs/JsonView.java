package dev.skellyjelly.storage.codecs;

import io.vertx.core.json.JsonObject;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The map of a JSON object that shows one record through its {@link JsonForm}, computing each value when it
 * is read. A batch's JSON form holds one per event: built eagerly, the events of a 30 000-event window
 * cost about 12 MB of short-lived objects on the event loop, while the published instance is only ever read
 * by Vert.x (copied for each local consumer, encoded for remote ones). A view costs a few tens of bytes, and
 * the values are made by whoever reads them.
 *
 * <p>Reads give exactly what {@link JsonForm#build} would hold: the same keys in the same order, the same
 * values of the same types. The object under the form's nested key is made on its first read and kept, so
 * a change made through it stays. Reads from several threads at once are safe: that object is set once,
 * by compare-and-set, and the record is immutable.
 *
 * <p>A complete, mutable map like {@link JsonFields}, which a consumer may change like any other: the first
 * change of any kind copies the current content into a {@link JsonFields} (keeping the nested object if it
 * was made), and from then on every operation goes there. Iterators and entries are positional, as those of
 * {@link JsonFields}, so an iteration that is under way when that happens goes on over the copy.
 */
final class JsonView extends AbstractMap<String, Object> {

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(JsonView.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final JsonForm form;
  private final Object record;
  /**
   * Null at first; the nested object once it has been read; the {@link JsonFields} holding everything after
   * the first change. One field for both keeps a view at 32 bytes (with compressed references).
   */
  private volatile Object state;

  JsonView(JsonForm form, Object record) {
    this.form = Objects.requireNonNull(form, "form");
    this.record = Objects.requireNonNull(record, "record");
  }

  /** The value of the form's key {@code i}, which the record has; valid until the first change. */
  private Object valueAt(int i) {
    if (i != form.nested()) {
      return form.value(record, i);
    }
    Object s = state;
    if (s instanceof JsonObject o) {
      return o;
    }
    JsonObject made = form.child(record).view(form.value(record, i));
    Object witness = STATE.compareAndExchange(this, null, made);
    return witness instanceof JsonObject o ? o : made;
  }

  /** The record's index of {@code key}, or -1 when its object lacks it; valid until the first change. */
  private int present(Object key) {
    int i = form.indexOf(key);
    return i >= 0 && form.has(record, i) ? i : -1;
  }

  /** The content as a {@link JsonFields}, copied there on the first call. */
  private JsonFields fields() {
    Object s = state;
    if (s instanceof JsonFields f) {
      return f;
    }
    JsonFields f = new JsonFields(form.width());
    for (int i = form.next(record, 0); i < form.width(); i = form.next(record, i + 1)) {
      f.put(form.key(i), valueAt(i));
    }
    state = f;
    return f;
  }

  @Override
  public Object get(Object key) {
    if (state instanceof JsonFields f) {
      return f.get(key);
    }
    int i = present(key);
    return i < 0 ? null : valueAt(i);
  }

  @Override
  public boolean containsKey(Object key) {
    if (state instanceof JsonFields f) {
      return f.containsKey(key);
    }
    return present(key) >= 0;
  }

  @Override
  public int size() {
    if (state instanceof JsonFields f) {
      return f.size();
    }
    return form.count(record);
  }

  @Override
  public Object put(String key, Object value) {
    return fields().put(key, value);
  }

  @Override
  public Object remove(Object key) {
    return fields().remove(key);
  }

  @Override
  public void clear() {
    fields().clear();
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return JsonView.this.size();
      }

      @Override
      public void clear() {
        JsonView.this.clear();
      }

      @Override
      public Iterator<Entry<String, Object>> iterator() {
        return new Iter();
      }
    };
  }

  private final class Iter implements Iterator<Entry<String, Object>> {
    /** Position of the next entry. */
    private int next;
    /** Until the first change: the form's index from which to look for the next key the record has. */
    private int nextKey;
    private int last = -1;

    @Override
    public boolean hasNext() {
      if (state instanceof JsonFields f) {
        return next < f.size();
      }
      nextKey = form.next(record, nextKey);
      return nextKey < form.width();
    }

    @Override
    public Entry<String, Object> next() {
      int i = -1;
      if (state instanceof JsonFields f) {
        if (next >= f.size()) {
          throw new NoSuchElementException();
        }
      } else {
        i = form.next(record, nextKey);
        if (i >= form.width()) {
          throw new NoSuchElementException();
        }
        nextKey = i + 1;
      }
      last = next++;
      return new Field(last, i);
    }

    @Override
    public void remove() {
      if (last < 0) {
        throw new IllegalStateException();
      }
      fields().removeAt(last);
      next = last;
      last = -1;
    }
  }

  /**
   * One key and value at a position, writing through to the map. Made before the first change, it knows
   * the form's index too, which holds at that position until the content is copied.
   */
  private final class Field extends JsonEntry {
    private final int position;
    private final int index;

    Field(int position, int index) {
      this.position = position;
      this.index = index;
    }

    @Override
    public String getKey() {
      // Made after the first change (index -1), it can only meet the copy.
      return state instanceof JsonFields f ? f.keyAt(position) : form.key(index);
    }

    @Override
    public Object getValue() {
      return state instanceof JsonFields f ? f.valueAt(position) : valueAt(index);
    }

    @Override
    public Object setValue(Object value) {
      return fields().setValueAt(position, value);
    }
  }
}
