package dev.skellyjelly.storage.codecs;

import static dev.skellyjelly.storage.codecs.JsonViewTest.ID;
import static dev.skellyjelly.storage.codecs.JsonViewTest.IDS;
import static dev.skellyjelly.storage.codecs.JsonViewTest.IMAGE;
import static dev.skellyjelly.storage.codecs.JsonViewTest.SESSION;
import static dev.skellyjelly.storage.codecs.JsonViewTest.SHOT;
import static dev.skellyjelly.storage.codecs.JsonViewTest.TS;
import static dev.skellyjelly.storage.codecs.JsonViewTest.VARIANTS;
import static dev.skellyjelly.storage.codecs.JsonViewTest.WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A batch's {@code events} array is a {@link JsonViewList}: it reads exactly as the list of eager event
 * objects it replaces, hands out one object per event however often and from however many threads it is
 * read, changes exactly as an {@link ArrayList} does, and costs nothing per event to publish.
 */
class JsonViewListTest {

  static final List<ScreenshotRef> REFS = List.of(
    new ScreenshotRef(SHOT, TS, ImageFormat.PNG, IMAGE.length, 1920, 1080, ScreenshotStorage.MEMORY),
    new ScreenshotRef(ID, TS + 1, ImageFormat.WEBP, 6_000_000L, 3840, 2160, ScreenshotStorage.DELETED));
  static final String REFS_TEXT = "[{\"screenshot_id\":\"" + SHOT + "\",\"timestamp\":\"2026-11-26T10:00:00.123Z\","
    + "\"format\":\"png\",\"size_bytes\":5,\"width\":1920,\"height\":1080,\"storage\":\"memory\"},"
    + "{\"screenshot_id\":\"" + ID + "\",\"timestamp\":\"2026-11-26T10:00:00.124Z\",\"format\":\"webp\","
    + "\"size_bytes\":6000000,\"width\":3840,\"height\":2160,\"storage\":\"deleted\"}]";

  /** Every event type with optional and nullable fields set and not, each with every combination of ids. */
  static final List<RawEvent> EVENTS = JsonViewTest.allEvents();

  static EventBatch mixedBatch() {
    return new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 1, 2, true, false, EVENTS, REFS);
  }

  /** The exact text of {@link #mixedBatch()}, spelled out event by event. */
  static String mixedBatchText() {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < EVENTS.size(); i++) {
      JsonViewTest.Variant v = VARIANTS.get(i / IDS.length);
      String[] ids = IDS[i % IDS.length];
      events.add(JsonViewTest.envelopeText(ids[0], ids[1], v, v.batchText()));
    }
    return "{\"window_id\":\"" + WINDOW + "\",\"session_id\":\"" + SESSION + "\","
      + "\"window_start\":\"2026-11-26T10:00:00.000Z\",\"window_end\":\"2026-11-26T10:00:30.000Z\","
      + "\"part\":1,\"parts\":2,\"late\":true,\"replayed\":false,"
      + "\"events\":[" + String.join(",", events) + "],\"screenshot_refs\":" + REFS_TEXT + "}";
  }

  /** The batch as encoded before its events were listed lazily: an ArrayList of the events' objects. */
  static JsonObject listedEagerly(EventBatch b, Function<RawEvent, JsonObject> event) {
    JsonObject json = EventJson.encode(b);
    List<Object> events = new ArrayList<>();
    for (RawEvent e : b.events()) {
      events.add(event.apply(e));
    }
    // Replacing the value of a present key keeps the key's place.
    json.put("events", new JsonArray(events));
    return json;
  }

  static JsonViewList lazy() {
    return new JsonViewList(JsonForm.BATCH_EVENT, EVENTS);
  }

  /** What a lazy list is compared with: an ArrayList of the same events built eagerly. */
  static List<Object> eager() {
    List<Object> built = new ArrayList<>();
    for (RawEvent e : EVENTS) {
      built.add(JsonForm.BATCH_EVENT.build(e));
    }
    return built;
  }

  // ---------------------------------------------------------------- the batch's JSON

  @Test
  void aMixedBatchReadsExactlyAsTheEagerlyListedOne() {
    EventBatch b = mixedBatch();
    String text = mixedBatchText();
    List<Consumer<JsonObject>> firstReads = List.of(JsonObject::encode, JsonObject::copy, JsonObject::hashCode,
      j -> j.getJsonArray("events").getJsonObject(7), j -> j.getJsonArray("events").forEach(e -> { }), j -> { });
    for (Consumer<JsonObject> firstRead : firstReads) {
      JsonObject lazy = EventJson.encode(b);
      assertInstanceOf(JsonViewList.class, lazy.getJsonArray("events").getList());
      firstRead.accept(lazy);
      for (JsonObject eager : List.of(listedEagerly(b, JsonForm.BATCH_EVENT::view),
          listedEagerly(b, JsonForm.BATCH_EVENT::build))) {
        assertEquals(text, eager.encode());
        assertEquals(text, lazy.encode());
        assertEquals(text, lazy.toBuffer().toString());
        // A copy lists the events lazily too: a plain object that reads as the published text, in the same order.
        assertEquals(text, lazy.copy().encode());
        assertEquals(JsonObject.class, lazy.copy().getClass());
        assertEquals(new JsonObject(text), lazy.copy());
        assertEquals(new JsonObject(eager.getMap()), lazy.copy());
        assertEquals(List.copyOf(eager.fieldNames()), List.copyOf(lazy.copy().fieldNames()));
        assertEquals(JsonViewTest.shape(eager), JsonViewTest.shape(lazy.copy()));
        // The eager object's list is an ordinary one, copied as Vert.x copies it (into hash maps): still equal.
        assertEquals(eager.copy(), lazy.copy());
        assertEquals(ArrayList.class, eager.copy().getJsonArray("events").getList().getClass());
        assertEquals(List.copyOf(eager.fieldNames()), List.copyOf(lazy.fieldNames()));
        assertEquals(eager, lazy);
        assertEquals(lazy, eager);
        assertEquals(eager.hashCode(), lazy.hashCode());
        assertEquals(eager.getJsonArray("events"), lazy.getJsonArray("events"));
        assertEquals(lazy.getJsonArray("events"), eager.getJsonArray("events"));
        assertEquals(eager.getJsonArray("events").getList(), lazy.getJsonArray("events").getList());
        assertEquals(lazy.getJsonArray("events").getList(), eager.getJsonArray("events").getList());
        assertEquals(eager.getJsonArray("events").getList().hashCode(),
          lazy.getJsonArray("events").getList().hashCode());
        assertEquals(eager.getJsonArray("events").getList().toString(),
          lazy.getJsonArray("events").getList().toString());
        // A copy holds a new lazy list over the same events.
        assertInstanceOf(JsonViewList.class, lazy.copy().getJsonArray("events").getList());
        assertNotSame(lazy.getJsonArray("events").getList(), lazy.copy().getJsonArray("events").getList());
      }
      // Reading changed nothing: the list is still the lazy one.
      assertInstanceOf(JsonViewList.class, lazy.getJsonArray("events").getList());
      assertEquals(text, lazy.encode());
    }
  }

  @Test
  void decodeBatchReadsBackAMixedBatch() {
    List<RawEvent> events = new ArrayList<>();
    // Every variant the decoder takes as a stored event (its required fields present), with every ids.
    for (int v : new int[] {0, 2, 3, 4, 6, 8, 11, 13}) {
      for (String[] ids : IDS) {
        events.add(new RawEvent(ids[0], ids[1], TS + events.size(), VARIANTS.get(v).data()));
      }
    }
    EventBatch b = new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 1, 2, true, false, events, REFS);
    EventBatch want = new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 1, 2, true, false,
      events.stream().map(RawEvent::withoutImage).collect(Collectors.toList()), REFS);
    assertEquals(want, EventJson.decodeBatch(listedEagerly(b, JsonForm.BATCH_EVENT::view)));
    JsonObject lazy = EventJson.encode(b);
    assertEquals(want, EventJson.decodeBatch(lazy));
    assertEquals(want, EventJson.decodeBatch(lazy.copy()));
    assertEquals(want, EventJson.decodeBatch(new JsonObject(lazy.encode())));
    assertEquals(want, EventJson.decodeBatch(new JsonObject(lazy.toBuffer())));
    assertInstanceOf(JsonViewList.class, lazy.getJsonArray("events").getList());
  }

  @Test
  void anEmptyBatchHasAnEmptyArray() {
    EventBatch empty = new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 0, 1, false, false, List.of(),
      List.of());
    JsonObject json = EventJson.encode(empty);
    JsonArray events = json.getJsonArray("events");
    assertEquals(new JsonArray(), events);
    assertEquals(0, events.size());
    assertEquals("[]", events.encode());
    assertTrue(json.encode().contains(",\"events\":[],\"screenshot_refs\":[]}"), json.encode());
    assertEquals(empty, EventJson.decodeBatch(json));
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> events.getJsonObject(0));
    assertEquals("Index 0 out of bounds for length 0", e.getMessage());
  }

  // ---------------------------------------------------------------- one object per event

  @Test
  void everyReadOfAnIndexGivesTheSameObjectAndAChangeThroughItSticks() {
    EventBatch b = mixedBatch();
    JsonObject batch = EventJson.encode(b);
    JsonArray events = batch.getJsonArray("events");
    // Read out of order: the objects are made per index, whatever was read before.
    JsonObject fifth = events.getJsonObject(5);
    JsonObject first = events.getJsonObject(0);
    assertSame(fifth, events.getJsonObject(5));
    assertSame(first, events.getJsonObject(0));
    assertSame(first, events.getValue(0));
    assertSame(first, events.getList().get(0));
    assertSame(first, events.iterator().next());
    assertNotSame(first, events.getJsonObject(1));
    assertInstanceOf(JsonView.class, first.getMap());
    List<Object> iterated = new ArrayList<>();
    events.forEach(iterated::add);
    for (int i = 0; i < events.size(); i++) {
      assertSame(iterated.get(i), events.getJsonObject(i), "#" + i);
    }

    first.getJsonObject("data").put("key_code", 66);
    first.put("extra", "x");
    fifth.remove("timestamp");
    String text = mixedBatchText();
    String firstText = JsonViewTest.envelopeText(ID, SESSION, VARIANTS.get(0), VARIANTS.get(0).batchText());
    String fifthText = JsonViewTest.envelopeText(null, SESSION, VARIANTS.get(1), VARIANTS.get(1).batchText());
    String changed = text.replace(firstText, firstText.replace("\"key_code\":65", "\"key_code\":66")
        .replaceAll("}$", ",\"extra\":\"x\"}"))
      .replace(fifthText, fifthText.replace("\"timestamp\":\"2026-11-26T10:00:00.123Z\",", ""));
    assertEquals(1, changed.split("\"key_code\":66", -1).length - 1, "the first event was found to change");
    assertEquals(1, changed.split(",\"extra\":\"x\"}", -1).length - 1, "the first event was found to change");
    assertEquals(EVENTS.size() + REFS.size() - 1, changed.split("\"timestamp\"", -1).length - 1,
      "the fifth event was found to change");
    assertEquals(changed, batch.encode());
    // The published object is of its own class: its map compares with plain objects.
    assertEquals(new JsonObject(changed), new JsonObject(batch.getMap()));
    JsonObject copy = batch.copy();
    assertEquals(new JsonObject(changed), copy);
    assertEquals(changed, copy.encode());
    assertEquals(new JsonObject(changed), new JsonObject(copy.encode()));
    copy.getJsonArray("events").getJsonObject(0).put("extra", "y");
    assertEquals(changed, batch.encode());
    assertEquals(new Keystroke(66, new Keystroke.Modifiers(true, false, true, false), 120L),
      EventJson.decodeBatch(batch.copy().put("events", new JsonArray().add(events.getJsonObject(0))))
        .events().get(0).data());
    // Changes to the events' objects are not changes to the array.
    assertInstanceOf(JsonViewList.class, events.getList());
  }

  @Test
  void concurrentFirstReadsOfAnIndexAgreeOnOneObject() throws Exception {
    int threads = 4;
    List<JsonViewList> lists = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      lists.add(lazy());
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Object[]>>> seen = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean backwards = t % 2 == 1;
        seen.add(pool.submit(() -> {
          start.await();
          List<Object[]> got = new ArrayList<>();
          for (JsonViewList l : lists) {
            Object[] read = new Object[l.size()];
            for (int k = 0; k < read.length; k++) {
              int i = backwards ? read.length - 1 - k : k;
              read[i] = l.get(i);
            }
            got.add(read);
          }
          return got;
        }));
      }
      start.countDown();
      List<Object[]> first = seen.get(0).get(60, TimeUnit.SECONDS);
      for (Future<List<Object[]>> f : seen) {
        List<Object[]> got = f.get(60, TimeUnit.SECONDS);
        for (int l = 0; l < lists.size(); l++) {
          for (int i = 0; i < EVENTS.size(); i++) {
            assertSame(first.get(l)[i], got.get(l)[i], "list " + l + " #" + i);
            assertSame(first.get(l)[i], lists.get(l).get(i), "list " + l + " #" + i);
          }
        }
      }
      assertEquals(eager(), lists.get(0));
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- changes, as in an ArrayList

  /** Which objects are read before a change: none, a few, or all of them (as an encoder does). */
  static final List<Consumer<List<Object>>> READ_FIRST = List.of(
    l -> { },
    l -> {
      l.get(3);
      l.get(1);
      l.get(EVENTS.size() - 1);
    },
    l -> new JsonArray(l).encode());

  /** A change, made to the array or its list; its outcome as text. */
  interface Change {
    Object apply(JsonArray a, List<Object> l);
  }

  static final Comparator<Object> BY_TEXT = Comparator.comparing(String::valueOf);

  static Map<String, Change> changes() {
    JsonObject added = new JsonObject().put("added", true);
    String third = JsonForm.BATCH_EVENT.build(EVENTS.get(2)).encode();
    Map<String, Change> m = new LinkedHashMap<>();
    m.put("add", (a, l) -> a.add(added).size());
    m.put("add at", (a, l) -> a.add(2, "x").size());
    m.put("add null", (a, l) -> a.addNull().size());
    m.put("list add", (a, l) -> l.add(added));
    m.put("list add at the end", (a, l) -> {
      l.add(l.size(), 7);
      return l.size();
    });
    m.put("addAll", (a, l) -> a.addAll(new JsonArray().add(1).add("two")).size());
    m.put("list addAll at", (a, l) -> l.addAll(4, List.of("a", "b")));
    m.put("list addAll of nothing", (a, l) -> l.addAll(List.of()));
    m.put("list addAll of itself", (a, l) -> l.addAll(l));
    m.put("remove at", (a, l) -> a.remove(2));
    m.put("remove the last", (a, l) -> a.remove(a.size() - 1));
    m.put("remove an equal object", (a, l) -> a.remove(new JsonObject(third)));
    m.put("list remove an equal object", (a, l) -> l.remove(new JsonObject(third)));
    m.put("remove an absent value", (a, l) -> a.remove("absent"));
    m.put("set", (a, l) -> a.set(1, "x").size());
    m.put("list set", (a, l) -> l.set(1, added));
    m.put("set null", (a, l) -> a.setNull(0).size());
    m.put("clear", (a, l) -> a.clear().size());
    m.put("iterator remove every other", (a, l) -> {
      Iterator<Object> it = a.iterator();
      int n = 0;
      while (it.hasNext()) {
        it.next();
        if (n++ % 2 == 0) {
          it.remove();
        }
      }
      return a.size();
    });
    m.put("iterator remove twice", (a, l) -> {
      Iterator<Object> it = a.iterator();
      it.next();
      it.remove();
      it.remove();
      return a.size();
    });
    m.put("iterator remove before next", (a, l) -> {
      a.iterator().remove();
      return a.size();
    });
    m.put("listIterator set, add and previous", (a, l) -> {
      ListIterator<Object> it = l.listIterator(2);
      List<Object> log = new ArrayList<>();
      log.add(it.next());
      it.set("set");
      it.add("added");
      log.add(it.previous());
      log.add(it.previousIndex() + " " + it.nextIndex());
      log.add(it.next());
      log.add(it.next());
      it.remove();
      log.add(it.next());
      return log;
    });
    m.put("subList clear", (a, l) -> {
      l.subList(2, 6).clear();
      return l.size();
    });
    m.put("subList set, add and remove", (a, l) -> {
      List<Object> sub = l.subList(1, 4);
      List<Object> log = new ArrayList<>();
      log.add(sub.set(0, "x"));
      sub.add("y");
      sub.add(0, "z");
      log.add(sub.remove(2));
      log.add(sub.size());
      log.add(sub);
      log.add(sub.subList(1, 3).remove(0));
      log.add(sub);
      return log;
    });
    m.put("subList removeIf", (a, l) -> l.subList(0, 10).removeIf(o -> String.valueOf(o).contains("mouse")));
    m.put("subList sort", (a, l) -> {
      l.subList(8, 20).sort(BY_TEXT);
      return l.subList(8, 20);
    });
    m.put("sort", (a, l) -> {
      l.sort(BY_TEXT);
      return l.get(0);
    });
    m.put("sort without comparator", (a, l) -> {
      l.sort(null);
      return l.size();
    });
    m.put("Collections.shuffle", (a, l) -> {
      Collections.shuffle(l, new java.util.Random(7));
      return l.get(0);
    });
    m.put("replaceAll", (a, l) -> {
      l.replaceAll(o -> ((JsonObject) o).getString("event_type"));
      return l;
    });
    m.put("removeIf", (a, l) -> l.removeIf(o -> "keystroke".equals(((JsonObject) o).getString("event_type"))));
    m.put("removeIf nothing", (a, l) -> l.removeIf(o -> false));
    m.put("removeAll", (a, l) -> l.removeAll(List.of(new JsonObject(third), "absent")));
    m.put("retainAll", (a, l) -> l.retainAll(List.of(new JsonObject(third))));
    m.put("set out of range", (a, l) -> a.set(EVENTS.size(), "x"));
    m.put("add out of range", (a, l) -> a.add(EVENTS.size() + 1, "x"));
    m.put("remove out of range", (a, l) -> a.remove(-1));
    m.put("get out of range", (a, l) -> a.getValue(EVENTS.size()));
    m.put("subList out of order", (a, l) -> l.subList(3, 1));
    m.put("removeIf throwing midway", (a, l) -> l.removeIf(o -> {
      if (String.valueOf(o).contains("resource")) {
        throw new IllegalStateException("stop");
      }
      return true;
    }));
    m.put("a change to an element only", (a, l) -> a.getJsonObject(0).put("x", 1).size());
    m.put("toArray, indexOf, contains", (a, l) -> List.of(l.toArray().length, l.indexOf(new JsonObject(third)),
      l.lastIndexOf(new JsonObject(third)), a.contains(new JsonObject(third)), l.contains("absent")));
    return m;
  }

  /** A list and what became of its objects, for a comparison of a lazy list with an ArrayList. */
  record Outcome(List<Object> list, String returned, String content) {
  }

  static Outcome run(List<Object> list, Change change) {
    JsonArray a = new JsonArray(list);
    String returned;
    try {
      returned = "returned " + change.apply(a, list);
    } catch (RuntimeException e) {
      returned = "threw " + e.getClass().getName() + ": " + e.getMessage();
    }
    return new Outcome(list, returned, a.encode());
  }

  @Test
  void changesBehaveAsInAnArrayListBeforeAndAfterReads() {
    Map<String, Change> changes = changes();
    for (int r = 0; r < READ_FIRST.size(); r++) {
      for (Map.Entry<String, Change> c : changes.entrySet()) {
        String where = c.getKey() + " after reads #" + r;
        List<Object> eager = eager();
        JsonViewList lazy = lazy();
        // The objects read before the change, by index; the eager list's at the same indexes.
        Map<Object, Object> readBefore = new IdentityHashMap<>();
        READ_FIRST.get(r).accept(lazy);
        for (int i = 0; i < EVENTS.size(); i++) {
          if (r == 2 || r == 1 && (i == 1 || i == 3 || i == EVENTS.size() - 1)) {
            readBefore.put(eager.get(i), lazy.get(i));
          }
        }
        Outcome want = run(eager, c.getValue());
        Outcome got = run(lazy, c.getValue());
        assertEquals(want.returned(), got.returned(), where);
        assertEquals(want.content(), got.content(), where);
        assertEquals(want.list(), got.list(), where);
        assertEquals(got.list(), want.list(), where);
        assertEquals(want.list().hashCode(), got.list().hashCode(), where);
        assertEquals(want.list().size(), got.list().size(), where);
        assertEquals(new JsonArray(want.list()), new JsonArray(got.list()), where);
        // Whatever moved, an object read before the change is still the one at its event's place.
        for (int i = 0; i < want.list().size(); i++) {
          Object before = readBefore.get(want.list().get(i));
          if (before != null) {
            assertSame(before, got.list().get(i), where + " #" + i);
          }
          assertSame(got.list().get(i), got.list().get(i), where + " #" + i);
        }
      }
    }
  }

  /** One step of an iteration over a list; what it did, as text. */
  interface Step {
    String step(List<Object> l, ListIterator<Object> it, int i, Object element);
  }

  static List<String> iterate(List<Object> l, Step s) {
    List<String> log = new ArrayList<>();
    try {
      ListIterator<Object> it = l.listIterator();
      while (it.hasNext()) {
        int i = it.nextIndex();
        Object e = it.next();
        log.add(i + " " + e);
        log.add(s.step(l, it, i, e));
      }
    } catch (RuntimeException e) {
      log.add("threw " + e.getClass().getName());
    }
    log.add("end " + l.size() + " " + new JsonArray(l).encode());
    return log;
  }

  @Test
  void iterationsUnderWayWhenTheListIsCopiedBehaveAsInAnArrayList() {
    List<Step> steps = List.of(
      // a set ahead of the cursor as the first change: the iteration goes on and sees it
      (l, it, i, e) -> i == 2 ? "old " + l.set(4, "ahead") : "",
      // a set behind the cursor
      (l, it, i, e) -> i == 3 ? "old " + l.set(0, "behind") : "",
      // a structural change elsewhere fails the iteration on its next step
      (l, it, i, e) -> i == 2 ? "added " + l.add("more") : "",
      (l, it, i, e) -> i == 5 ? "removed " + l.remove(EVENTS.size() - 1) : "",
      // a change through an element alone is no change to the list
      (l, it, i, e) -> i == 1 ? "put " + ((JsonObject) e).put("seen", true).size() : "",
      // changes through the iterator itself as the first change, then going on
      (l, it, i, e) -> {
        if (i % 3 == 0) {
          it.remove();
          return "removed";
        }
        return "";
      },
      (l, it, i, e) -> {
        if (i == 0) {
          it.add("added");
          return "added, next " + it.nextIndex();
        }
        return "";
      },
      (l, it, i, e) -> {
        it.set(i);
        return "set";
      },
      // removing the last element in the last step ends the iteration, as it does in an ArrayList
      (l, it, i, e) -> i == EVENTS.size() - 2 ? "removed " + l.remove(EVENTS.size() - 1) : "");
    for (Consumer<List<Object>> readFirst : READ_FIRST) {
      for (int s = 0; s < steps.size(); s++) {
        List<Object> lazy = lazy();
        readFirst.accept(lazy);
        assertEquals(iterate(eager(), steps.get(s)), iterate(lazy, steps.get(s)), "step #" + s);
      }
    }
  }

  @Test
  void viewsTakenBeforeAChangeFailOrGoOnAsInAnArrayList() {
    List<Function<List<Object>, String>> scripts = List.of(
      // a sub-list taken before a structural change elsewhere fails
      l -> {
        List<Object> sub = l.subList(1, 5);
        l.add("x");
        return String.valueOf(sub.size());
      },
      // and goes on after a set
      l -> {
        List<Object> sub = l.subList(1, 5);
        l.set(2, "x");
        return sub + " " + sub.size();
      },
      // a structural change through the sub-list is seen by the list
      l -> {
        List<Object> sub = l.subList(1, 5);
        sub.remove(1);
        return sub.size() + " " + l.size() + " " + l.get(1) + " " + l.get(2);
      },
      // an iterator of the list fails after a change through a sub-list
      l -> {
        Iterator<Object> it = l.iterator();
        it.next();
        l.subList(0, 2).clear();
        return String.valueOf(it.next());
      },
      // forEach stops after an action that changes the structure, and says so
      l -> {
        List<Object> seen = new ArrayList<>();
        try {
          l.forEach(e -> {
            seen.add(e);
            if (seen.size() == 3) {
              l.remove(0);
            }
          });
        } catch (RuntimeException e) {
          seen.add(e.getClass().getName());
        }
        return seen.toString();
      },
      // even when it was the last element that went
      l -> {
        List<Object> seen = new ArrayList<>();
        try {
          l.forEach(e -> {
            seen.add(e);
            if (seen.size() == EVENTS.size() - 1) {
              l.remove(EVENTS.size() - 1);
            }
          });
        } catch (RuntimeException e) {
          seen.add(e.getClass().getName());
        }
        return seen.toString();
      },
      // and goes on after a set
      l -> {
        List<Object> seen = new ArrayList<>();
        l.forEach(e -> {
          seen.add(e);
          if (seen.size() == 3) {
            l.set(5, "later");
          }
        });
        return seen.toString();
      },
      // a stream of a changed list
      l -> {
        l.remove(3);
        return l.stream().map(String::valueOf).collect(Collectors.joining("|"));
      });
    for (Consumer<List<Object>> readFirst : READ_FIRST) {
      for (int s = 0; s < scripts.size(); s++) {
        List<Object> eager = eager();
        List<Object> lazy = lazy();
        readFirst.accept(lazy);
        assertEquals(outcome(eager, scripts.get(s)), outcome(lazy, scripts.get(s)), "script #" + s);
      }
    }
  }

  static String outcome(List<Object> l, Function<List<Object>, String> script) {
    String result;
    try {
      result = script.apply(l);
    } catch (RuntimeException e) {
      result = "threw " + e.getClass().getName();
    }
    return result + " / " + l.size() + " " + new JsonArray(l).encode();
  }

  // ---------------------------------------------------------------- cost

  @Test
  void publishingABatchOf30000EventsAllocatesNothingPerEvent() {
    List<RawEvent> events = Allocated.window(EVENTS);
    EventBatch batch = JsonViewTest.batchOf(events);
    EventBatch small = JsonViewTest.batchOf(events.subList(0, 10));
    long large = Allocated.bytes(() -> assertEquals(30_000, EventJson.encode(batch).getJsonArray("events").size()));
    long few = Allocated.bytes(() -> assertEquals(10, EventJson.encode(small).getJsonArray("events").size()));
    String figures = "encode(batch) allocated " + large + " bytes for 30 000 events, " + few + " for 10";
    assertTrue(large < 64 << 10, figures);
    // Nothing grows with the number of events (a word per event would be 120 KB).
    assertTrue(large - few < 1024, figures);
  }
}
