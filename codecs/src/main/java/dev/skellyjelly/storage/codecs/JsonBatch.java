package dev.skellyjelly.storage.codecs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.AbstractList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.RandomAccess;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The published JSON form of a batch ({@link EventJson#encode(EventBatch)}): read-only, and costing the same
 * whatever the number of events. Built eagerly, the events of a 30 000-event window cost about 12 MB of
 * short-lived objects on the publishing event loop, and Vert.x's deep {@code copy()} for each local consumer
 * (a bridge's registration is one too) took 130 ms at the median and left 18 MB more. Here each event's (and
 * screenshot ref's) object is built when something reads it (an encoder, a consumer), and since nothing can
 * change the form, the copy each local consumer gets shares it.
 *
 * <p>Every level is read-only: the batch object, its {@code events} and {@code screenshot_refs} arrays, each
 * event and screenshot ref and their nested objects. Any attempt to change one throws
 * {@link UnsupportedOperationException}, as the JDK's unmodifiable collections do, from the map or list itself
 * ({@link JsonFields#readOnly()}, {@link RecordObjects}) rather than from a wrapper around it. A consumer that
 * wants an object it can change makes its own: {@code copy()} of the object it received is Vert.x's deep copy
 * (changeable, equal, in hash maps, so its text lists the keys in another order);
 * {@code new JsonObject(batch.encode())} keeps the text exactly.
 *
 * <p>What a consumer receives ({@link #copy(Function)}) is a plain {@link JsonObject} over this one's map, so
 * it compares equal to a batch built eagerly ({@link JsonObject#equals} compares classes: this object itself
 * equals only objects of this class; {@code new JsonObject(getMap())} compares with plain ones). Text, key
 * order, value types and reads are {@link JsonObject}'s own.
 */
final class JsonBatch extends JsonObject {

  /** @param fields the batch's keys in the contract's order, its arrays made by {@link #array}; made read-only */
  JsonBatch(JsonFields fields) {
    super(fields.readOnly());
  }

  /**
   * A read-only array of the records' objects in {@code form}, each built read-only when read: the events of a
   * batch (a screenshot's image left out), or its screenshot refs.
   */
  static JsonArray array(JsonForm form, List<?> records) {
    // RecordObjects is read-only itself (AbstractList's changes throw): not wrapped, so that a writer can find it.
    return new JsonArray(new RecordObjects(form, records));
  }

  /** The events behind a batch's {@code events} array, or null when {@code array} is not one. */
  @SuppressWarnings("unchecked")
  static List<RawEvent> eventsOf(JsonArray array) {
    // Only a batch's events are shown in that form.
    return array.getList() instanceof RecordObjects objects && objects.form == JsonForm.BATCH_EVENT
      ? (List<RawEvent>) objects.records : null;
  }

  /**
   * The bytes of the texts of a batch's events (of {@link #eventsOf}), separators not included, as measured when
   * they were gathered ({@link MeasuredEvents}); -1 when they were not.
   */
  static long eventsTextBytes(JsonArray array) {
    List<RawEvent> events = eventsOf(array);
    return events == null ? -1 : MeasuredEvents.textBytes(EventBatch.given(events));
  }

  /** The same read-only content, shared: nothing of it can change, so there is nothing to copy. */
  @Override
  public JsonObject copy(Function<Object, ?> cloner) {
    return new JsonObject(getMap());
  }

  /**
   * The objects of immutable records, built on each read, so that publishing builds none. Read-only: every
   * change throws {@link UnsupportedOperationException}.
   */
  private static final class RecordObjects extends AbstractList<Object> implements RandomAccess {
    private final JsonForm form;
    private final List<?> records;

    RecordObjects(JsonForm form, List<?> records) {
      this.form = form;
      this.records = records;
    }

    @Override
    public Object get(int index) {
      return form.buildReadOnly(records.get(index));
    }

    @Override
    public int size() {
      return records.size();
    }

    // As the JDK's unmodifiable lists: every change throws, even one that would change nothing.

    @Override
    public boolean addAll(Collection<?> c) {
      throw readOnly();
    }

    @Override
    public boolean addAll(int index, Collection<?> c) {
      throw readOnly();
    }

    @Override
    public boolean remove(Object o) {
      throw readOnly();
    }

    @Override
    public boolean removeAll(Collection<?> c) {
      throw readOnly();
    }

    @Override
    public boolean retainAll(Collection<?> c) {
      throw readOnly();
    }

    @Override
    public boolean removeIf(Predicate<? super Object> filter) {
      throw readOnly();
    }

    @Override
    public void replaceAll(UnaryOperator<Object> operator) {
      throw readOnly();
    }

    @Override
    public void sort(Comparator<? super Object> c) {
      throw readOnly();
    }

    @Override
    public void clear() {
      throw readOnly();
    }

    private static UnsupportedOperationException readOnly() {
      return new UnsupportedOperationException("a published JSON array is read-only: change a copy");
    }
  }
}
