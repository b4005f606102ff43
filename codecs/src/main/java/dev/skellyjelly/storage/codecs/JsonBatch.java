package dev.skellyjelly.storage.codecs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The published JSON form of a batch ({@link EventJson#encode(EventBatch)}), whose copy costs the same
 * whatever the number of events. Vert.x hands a JSON object to each local consumer (a bridge's registration
 * is one too) as {@code copy()}, made inside {@code publish} on the publishing event loop; a deep copy of a
 * 30 000-event batch took 130 ms at the median and left 18 MB to collect under the module's heap. The events
 * are immutable records, so a consumer's copy can list them lazily too.
 *
 * <p>The copy is a plain {@link JsonObject}, never this class ({@link JsonObject#equals} compares classes,
 * and a consumer's object must equal one built eagerly), with the same keys in the same order. A value that
 * is a plain {@link JsonArray} over a {@link JsonViewList} not changed as a list becomes a plain array over a
 * new such list ({@link JsonViewList#copyLazily}), carrying the changes made to its objects; every other
 * value, and such an array once changed, is copied exactly as {@link JsonObject#copy(Function)} copies it.
 * The top-level map is read entry by entry as Vert.x reads it, so a change to it is copied as it stands.
 *
 * <p>Everything else is {@link JsonObject}'s own: text, key order, reads, changes. Compared with
 * {@link JsonObject#equals}, it equals only objects of this class; {@code new JsonObject(getMap())} or its
 * copy compares with plain ones.
 */
final class JsonBatch extends JsonObject {

  /** @param map a {@link LinkedHashMap}, as Vert.x's copy keeps the order of such a map only */
  JsonBatch(LinkedHashMap<String, Object> map) {
    super(map);
  }

  @Override
  public JsonObject copy(Function<Object, ?> cloner) {
    Map<String, Object> map = getMap();
    Map<String, Object> copied = new LinkedHashMap<>(map.size());
    for (Map.Entry<String, Object> e : map.entrySet()) {
      Object v = e.getValue();
      JsonViewList lazy = null;
      if (v instanceof JsonArray a && a.getClass() == JsonArray.class && a.getList() instanceof JsonViewList l) {
        lazy = l.copyLazily(cloner);
      }
      copied.put(e.getKey(), lazy != null ? new JsonArray(lazy) : JsonView.deepCopy(v, cloner));
    }
    return new JsonObject(copied);
  }
}
