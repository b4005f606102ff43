package dev.skellyjelly.storage.codecs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

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
 *
 * <p>While neither the view nor its nested object was changed ({@link #pristine()}), another view of the same
 * record reads the same, which is how a batch's copy for each local consumer costs nothing per event
 * ({@link #copy(Function)}).
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

  /**
   * Whether the object still reads as its record's: neither this view nor the object under its nested key
   * (nor, recursively, anything under that) was changed. Reading never makes a view stop being pristine.
   */
  boolean pristine() {
    Object s = state;
    if (s == null) {
      return true;
    }
    // The nested object is always one made by JsonForm.view, whose map stays that view.
    return s instanceof JsonObject nested && ((JsonView) nested.getMap()).pristine();
  }

  /**
   * A deep copy of this view's object that shares nothing mutable with it. While the view is pristine that is
   * simply another view of the same record, which costs a few tens of bytes whatever the record. Otherwise
   * the current content is copied into a {@link JsonFields}, in its order (a copy reads as the original's
   * text, which {@link JsonObject#copy} into a hash map would not), with nested views copied the same way
   * and any other value as {@link JsonObject#copy(Function)} copies it.
   */
  JsonObject copy(Function<Object, ?> cloner) {
    Object s = state;
    if (s == null || pristine()) {
      return form.view(record);
    }
    JsonFields out;
    if (s instanceof JsonFields f) {
      out = new JsonFields(f.size());
      for (int i = 0; i < f.size(); i++) {
        out.put(f.keyAt(i), copyValue(f.valueAt(i), cloner));
      }
    } else {
      // Only the nested object was changed: every other value is the record's, immutable.
      out = new JsonFields(form.width());
      for (int i = form.next(record, 0); i < form.width(); i = form.next(record, i + 1)) {
        out.put(form.key(i), i == form.nested() ? copyValue(s, cloner) : form.value(record, i));
      }
    }
    return new JsonObject(out);
  }

  /** A value copied as {@link #copy(Function)} copies those it holds: views by view, the rest as Vert.x does. */
  static Object copyValue(Object v, Function<Object, ?> cloner) {
    if (v instanceof JsonObject o && o.getClass() == JsonObject.class && o.getMap() instanceof JsonView view) {
      return view.copy(cloner);
    }
    return deepCopy(v, cloner);
  }

  /**
   * A value copied exactly as {@link JsonObject#copy(Function)} copies each of its values, through Vert.x's
   * public API, so that its rules (which types are kept, which copied, what goes to the cloner) stay its own.
   */
  static Object deepCopy(Object v, Function<Object, ?> cloner) {
    if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
      return v;
    }
    return new JsonArray(Collections.singletonList(v)).copy(cloner).getList().get(0);
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
