package dev.skellyjelly.storage.codecs;

import io.vertx.core.json.JsonObject;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The list of a JSON array that shows records through their {@link JsonForm}, making the object of each
 * (a {@link JsonView}) when it is first read. A batch's {@code events} are one: a view per event costs 48
 * bytes, 1.5 MB for a 30 000-event window, enough on the module's small heap to set off a young collection
 * inside the batch's publishing in about one batch of four. The published object is only ever read by
 * Vert.x (copied for each local consumer, encoded for remote ones), so the views are made by whoever reads
 * them, and publishing costs the same whatever the number of events.
 *
 * <p>Reads give exactly what a list of {@code form.view(record)} would hold. The object at an index is made
 * on its first read and kept, so every read returns the same instance and a change made through it stays.
 * Reads from several threads at once are safe and agree on that instance: the table of made objects is
 * set once, and each of its slots once, by compare-and-set; the records are immutable.
 *
 * <p>A complete, mutable list, as a consumer may change an array it got: the first change of any kind
 * copies every element into an {@link ArrayList} (making, in order, the objects not read yet), and from
 * then on every operation goes there. Iterators, list iterators and sub-lists are positional, and
 * {@link #modCount} follows that of the copy, so they behave as those of an {@link ArrayList}: one under
 * way when the copy is made goes on over it, unless the change was structural and made elsewhere, when it
 * fails fast.
 *
 * <p>Until then, a copy of the list ({@link #copyLazily}) is another such list over the same records, so
 * that the copy Vert.x makes of a published batch for each local consumer costs the same whatever the
 * number of events.
 */
final class JsonViewList extends AbstractList<Object> implements RandomAccess {

  private static final VarHandle STATE;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(JsonViewList.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final JsonForm form;
  private final List<?> records;
  /**
   * Null until the first read; then the table of the objects made so far, one slot per record; the
   * {@link Copy} holding everything after the first change. One field for both keeps the list at 32 bytes
   * (with compressed references) until something reads it.
   */
  private volatile Object state;

  /**
   * @param records read by index and never changed; the list keeps them rather than copying them, and none
   *                is null
   */
  JsonViewList(JsonForm form, List<?> records) {
    this.form = Objects.requireNonNull(form, "form");
    this.records = Objects.requireNonNull(records, "records");
  }

  @Override
  public Object get(int index) {
    Object s = state;
    if (s instanceof Copy c) {
      return c.get(index);
    }
    Objects.checkIndex(index, records.size());
    Object[] made = s == null ? table() : (Object[]) s;
    if (made == null) {
      // The table was replaced by a copy in the meantime.
      return ((Copy) state).get(index);
    }
    Object v = SLOT.getAcquire(made, index);
    if (v != null) {
      return v;
    }
    JsonObject view = form.view(records.get(index));
    Object witness = SLOT.compareAndExchange(made, index, null, view);
    return witness == null ? view : witness;
  }

  /** The table of made objects, set on the first call; null when the content has been copied instead. */
  private Object[] table() {
    Object[] fresh = new Object[records.size()];
    Object witness = STATE.compareAndExchange(this, null, fresh);
    if (witness == null) {
      return fresh;
    }
    return witness instanceof Object[] t ? t : null;
  }

  /**
   * An independent list that reads as a deep copy of this one: a new list over the same records, whose
   * objects are made when the copy is read. An object already made here that was changed since
   * ({@link JsonView#pristine()} false) is copied now ({@link JsonView#copy}) into the new list's slot, so
   * the copy carries the change; nothing else is copied. Costs a few tens of bytes while no object of this
   * list was changed, plus a pass over the made objects when some were read.
   *
   * @return null once this list itself was changed (its content is then an ordinary list, which the caller
   *         copies as such)
   */
  JsonViewList copyLazily(Function<Object, ?> cloner) {
    Object s = state;
    if (s instanceof Copy) {
      return null;
    }
    JsonViewList fresh = new JsonViewList(form, records);
    if (s instanceof Object[] made) {
      Object[] seeded = null;
      for (int i = 0; i < made.length; i++) {
        Object v = SLOT.getAcquire(made, i);
        // A slot holds the object of JsonForm.view, whose map stays that view.
        if (v != null && !((JsonView) ((JsonObject) v).getMap()).pristine()) {
          if (seeded == null) {
            seeded = new Object[made.length];
          }
          seeded[i] = ((JsonView) ((JsonObject) v).getMap()).copy(cloner);
        }
      }
      fresh.state = seeded;
    }
    return fresh;
  }

  @Override
  public int size() {
    return state instanceof Copy c ? c.size() : records.size();
  }

  /** As an {@link ArrayList}'s: stops after an action that changes the list's structure, and says so. */
  @Override
  public void forEach(Consumer<? super Object> action) {
    Objects.requireNonNull(action, "action");
    int expected = modCount;
    int n = size();
    for (int i = 0; modCount == expected && i < n; i++) {
      action.accept(get(i));
    }
    if (modCount != expected) {
      throw new ConcurrentModificationException();
    }
  }

  /** The content as an {@link ArrayList}, copied there on the first call. */
  private Copy copy() {
    Object s = state;
    if (s instanceof Copy c) {
      return c;
    }
    Object[] made = (Object[]) s;
    int n = records.size();
    Copy c = new Copy(n);
    for (int i = 0; i < n; i++) {
      Object v = made == null ? null : SLOT.getAcquire(made, i);
      c.add(v != null ? v : form.view(records.get(i)));
    }
    c.filled();
    state = c;
    return c;
  }

  /** After each change: iterators and sub-lists check this, as they would an {@link ArrayList}'s own. */
  private void changed(Copy c) {
    modCount = c.mods();
  }

  @Override
  public Object set(int index, Object element) {
    Copy c = copy();
    try {
      return c.set(index, element);
    } finally {
      changed(c);
    }
  }

  @Override
  public boolean add(Object element) {
    Copy c = copy();
    try {
      return c.add(element);
    } finally {
      changed(c);
    }
  }

  @Override
  public void add(int index, Object element) {
    Copy c = copy();
    try {
      c.add(index, element);
    } finally {
      changed(c);
    }
  }

  @Override
  public boolean addAll(Collection<?> elements) {
    Copy c = copy();
    try {
      return c.addAll(elements);
    } finally {
      changed(c);
    }
  }

  @Override
  public boolean addAll(int index, Collection<?> elements) {
    Copy c = copy();
    try {
      return c.addAll(index, elements);
    } finally {
      changed(c);
    }
  }

  @Override
  public Object remove(int index) {
    Copy c = copy();
    try {
      return c.remove(index);
    } finally {
      changed(c);
    }
  }

  @Override
  public boolean remove(Object element) {
    Copy c = copy();
    try {
      return c.remove(element);
    } finally {
      changed(c);
    }
  }

  @Override
  public boolean removeAll(Collection<?> elements) {
    Copy c = copy();
    try {
      return c.removeAll(elements);
    } finally {
      changed(c);
    }
  }

  @Override
  public boolean retainAll(Collection<?> elements) {
    Copy c = copy();
    try {
      return c.retainAll(elements);
    } finally {
      changed(c);
    }
  }

  @Override
  public boolean removeIf(Predicate<? super Object> filter) {
    Copy c = copy();
    try {
      return c.removeIf(filter);
    } finally {
      changed(c);
    }
  }

  @Override
  public void replaceAll(UnaryOperator<Object> operator) {
    Copy c = copy();
    try {
      c.replaceAll(operator);
    } finally {
      changed(c);
    }
  }

  @Override
  public void sort(Comparator<? super Object> comparator) {
    Copy c = copy();
    try {
      c.sort(comparator);
    } finally {
      changed(c);
    }
  }

  @Override
  public void clear() {
    Copy c = copy();
    try {
      c.clear();
    } finally {
      changed(c);
    }
  }

  /** What a sub-list's {@code clear} comes to. */
  @Override
  protected void removeRange(int fromIndex, int toIndex) {
    Copy c = copy();
    try {
      c.removeSpan(fromIndex, toIndex);
    } finally {
      changed(c);
    }
  }

  /** The list after the first change, whose count of changes this list's iterators and sub-lists follow. */
  private static final class Copy extends ArrayList<Object> {

    Copy(int capacity) {
      super(capacity);
    }

    /** Filling the copy is not a change anyone saw: its count starts at that of the list it replaces. */
    void filled() {
      modCount = 0;
    }

    int mods() {
      return modCount;
    }

    void removeSpan(int fromIndex, int toIndex) {
      removeRange(fromIndex, toIndex);
    }
  }
}
