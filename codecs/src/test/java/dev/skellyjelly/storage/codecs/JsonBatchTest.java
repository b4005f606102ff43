package dev.skellyjelly.storage.codecs;

import static dev.skellyjelly.storage.codecs.JsonViewTest.ID;
import static dev.skellyjelly.storage.codecs.JsonViewTest.SESSION;
import static dev.skellyjelly.storage.codecs.JsonViewTest.TS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The published JSON form of a batch is a {@link JsonBatch}: what each local consumer gets from the event bus
 * (its {@code copy()}) is a plain, independent object equal to the eager form, with the same text, carrying
 * the changes made to the published object before, and costing nothing per event to make.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class JsonBatchTest {

  static final String ADDRESS = "test.json-batch";

  /** The exact text of the first event of {@link JsonViewListTest#mixedBatch()} with its shift key released. */
  static final String FIRST_EVENT_UNSHIFTED = "{\"id\":\"" + ID + "\",\"session_id\":\"" + SESSION + "\","
    + "\"timestamp\":\"2026-11-26T10:00:00.123Z\",\"event_type\":\"keystroke\",\"data\":{\"key_code\":65,"
    + "\"modifiers\":{\"shift\":false,\"ctrl\":false,\"alt\":true,\"meta\":false},\"inter_key_interval_ms\":120}}";

  /** The mixed batch built eagerly, every event's object made now: a plain object over plain maps. */
  static JsonObject eager() {
    return new JsonObject(
      JsonViewListTest.listedEagerly(JsonViewListTest.mixedBatch(), JsonForm.BATCH_EVENT::build).getMap());
  }

  static JsonObject event(JsonObject batch, int i) {
    return batch.getJsonArray("events").getJsonObject(i);
  }

  /**
   * Changes made through the published object before it is copied: below a nested object (0), to a nested
   * object and then to the event (32), to an event only (52), to a nested object only (9).
   */
  static final Consumer<JsonObject> CHANGED_BEFORE = b -> {
    event(b, 0).getJsonObject("data").getJsonObject("modifiers").put("shift", false);
    event(b, 32).getJsonObject("data").getJsonObject("screen_region").put("x", 7);
    event(b, 32).put("extra", "x");
    event(b, 52).remove("timestamp");
    event(b, 9).getJsonObject("data").put("velocity", 1.5);
  };

  /** Asserts that {@code got} is a plain object over plain arrays and objects, all the way down. */
  static void assertPlain(JsonObject got) {
    assertSame(JsonObject.class, got.getClass());
    JsonArray events = got.getJsonArray("events");
    assertSame(JsonArray.class, events.getClass());
    for (int i = 0; i < events.size(); i++) {
      assertSame(JsonObject.class, events.getValue(i).getClass(), "#" + i);
      Object data = events.getJsonObject(i).getValue("data");
      assertTrue(data == null || data.getClass() == JsonObject.class, "#" + i);
    }
    assertSame(JsonArray.class, got.getJsonArray("screenshot_refs").getClass());
  }

  // ---------------------------------------------------------------- through the event bus

  @Test
  void eachLocalConsumerGetsItsOwnPlainCopyEqualToTheEagerForm(Vertx vertx) throws Exception {
    CompletableFuture<JsonObject> first = new CompletableFuture<>();
    CompletableFuture<JsonObject> second = new CompletableFuture<>();
    vertx.eventBus().<JsonObject>consumer(ADDRESS, m -> first.complete(m.body()))
      .completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>localConsumer(ADDRESS, m -> second.complete(m.body()))
      .completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String text = JsonViewListTest.mixedBatchText();
    JsonObject published = EventJson.encode(JsonViewListTest.mixedBatch());
    assertInstanceOf(JsonBatch.class, published);

    vertx.eventBus().publish(ADDRESS, published);
    JsonObject a = first.get(10, TimeUnit.SECONDS);
    JsonObject b = second.get(10, TimeUnit.SECONDS);

    assertNotSame(a, b);
    for (JsonObject got : List.of(a, b)) {
      assertNotSame(published, got);
      assertPlain(got);
      assertEquals(eager(), got);
      assertEquals(got, eager());
      assertEquals(eager().hashCode(), got.hashCode());
      assertEquals(text, got.encode());
      assertEquals(JsonViewTest.shape(eager()), JsonViewTest.shape(got));
      // Listed lazily over the same events, not copied.
      assertInstanceOf(JsonViewList.class, got.getJsonArray("events").getList());
      assertNotSame(published.getJsonArray("events").getList(), got.getJsonArray("events").getList());
      assertNotSame(published.getJsonArray("screenshot_refs"), got.getJsonArray("screenshot_refs"));
      assertNotSame(event(published, 0), event(got, 0));
    }
    assertNotSame(event(a, 0), event(b, 0));
    assertNotSame(event(a, 0).getJsonObject("data"), event(b, 0).getJsonObject("data"));

    // One consumer changes an event, a nested object, the array and the top level.
    java.util.function.Consumer<JsonObject> change = o -> {
      event(o, 0).getJsonObject("data").getJsonObject("modifiers").put("shift", false);
      event(o, 40).put("extra", 1);
      event(o, 32).getJsonObject("data").getJsonObject("screen_region").put("x", 7);
      o.getJsonArray("events").remove(55);
      o.getJsonArray("screenshot_refs").getJsonObject(0).put("storage", "disk");
      o.put("late", false).put("added", "top");
    };
    change.accept(a);
    JsonObject changed = eager();
    change.accept(changed);
    assertNotEquals(eager(), changed);
    assertEquals(changed, a);
    assertEquals(changed.encode(), a.encode());
    assertEquals(FIRST_EVENT_UNSHIFTED, event(a, 0).encode());

    // Neither the other consumer nor the published object sees any of it.
    assertEquals(text, b.encode());
    assertEquals(eager(), b);
    assertEquals(text, published.encode());
    assertEquals(eager(), new JsonObject(published.getMap()));
    assertInstanceOf(JsonViewList.class, published.getJsonArray("events").getList());
  }

  // ---------------------------------------------------------------- changes made before the copy

  @Test
  void aCopyCarriesTheChangesMadeBeforeAndIsIndependentOfLaterOnes() {
    JsonObject published = EventJson.encode(JsonViewListTest.mixedBatch());
    // Read, not changed: these stay views, which a copy makes anew.
    event(published, 20).encode();
    event(published, 21).getJsonObject("data").encode();
    CHANGED_BEFORE.accept(published);

    JsonObject copy = published.copy();
    JsonObject expected = eager();
    CHANGED_BEFORE.accept(expected);
    assertPlain(copy);
    assertEquals(expected, copy);
    assertEquals(expected.encode(), copy.encode());
    assertEquals(published.encode(), copy.encode());
    assertEquals(FIRST_EVENT_UNSHIFTED, event(copy, 0).encode());
    assertEquals(
      "{\"screenshot_id\":\"c0ffee00-3333-4c4d-8e5f-00112233aabb\",\"format\":\"png\",\"window_title\":\"Report.docx\","
        + "\"app_name\":\"Word\",\"screen_region\":{\"x\":7,\"y\":0,\"width\":1920,\"height\":1080},"
        + "\"privacy_masked\":false}",
      event(copy, 32).getJsonObject("data").encode());
    assertEquals("x", event(copy, 32).getString("extra"));
    assertEquals(List.of("id", "session_id", "event_type", "data"), List.copyOf(event(copy, 52).fieldNames()));
    assertEquals(1.5, event(copy, 9).getJsonObject("data").getValue("velocity"));
    assertInstanceOf(JsonViewList.class, copy.getJsonArray("events").getList());
    // Only the changed events were copied; the others are views made when read.
    assertInstanceOf(JsonFields.class, event(copy, 0).getMap());
    assertInstanceOf(JsonView.class, event(copy, 20).getMap());
    assertInstanceOf(JsonView.class, event(copy, 1).getMap());
    for (int i : new int[] {0, 9, 32, 52}) {
      assertNotSame(event(published, i), event(copy, i), "#" + i);
      assertNotSame(event(published, i).getJsonObject("data"), event(copy, i).getJsonObject("data"), "#" + i);
    }
    assertNotSame(event(published, 0).getJsonObject("data").getJsonObject("modifiers"),
      event(copy, 0).getJsonObject("data").getJsonObject("modifiers"));

    Consumer<JsonObject> laterOnCopy = b -> {
      event(b, 0).getJsonObject("data").getJsonObject("modifiers").put("ctrl", true);
      event(b, 32).getJsonObject("data").getJsonObject("screen_region").put("y", 9);
      event(b, 3).put("z", 1);
      b.put("replayed", true);
    };
    Consumer<JsonObject> laterOnPublished = b -> {
      event(b, 9).getJsonObject("data").put("velocity", 2.5);
      event(b, 52).put("timestamp", "later");
      event(b, 20).put("seen", true);
      b.getJsonArray("events").remove(1);
    };
    laterOnCopy.accept(copy);
    laterOnPublished.accept(published);
    JsonObject expectedCopy = eager();
    CHANGED_BEFORE.andThen(laterOnCopy).accept(expectedCopy);
    JsonObject expectedPublished = eager();
    CHANGED_BEFORE.andThen(laterOnPublished).accept(expectedPublished);
    assertNotEquals(expectedCopy, expectedPublished);
    assertEquals(expectedCopy, copy);
    assertEquals(expectedCopy.encode(), copy.encode());
    assertEquals(expectedPublished, new JsonObject(published.getMap()));
    assertEquals(expectedPublished.encode(), published.encode());
    // A copy of a consumer's copy is Vert.x's own, and equal.
    assertEquals(expectedCopy, copy.copy());
  }

  @Test
  void aCopyAfterTheArrayWasChangedFallsBackToVertxDeepCopyAndIsExact() {
    Consumer<JsonObject> changes = b -> {
      event(b, 0).getJsonObject("data").put("key_code", 1);
      b.getJsonArray("events").remove(3);
      b.getJsonArray("events").add(new JsonObject().put("added", true));
    };
    JsonObject published = EventJson.encode(JsonViewListTest.mixedBatch());
    changes.accept(published);
    JsonObject copy = published.copy();
    JsonObject expected = eager();
    changes.accept(expected);

    assertPlain(copy);
    assertEquals(ArrayList.class, copy.getJsonArray("events").getList().getClass());
    assertEquals(HashMap.class, event(copy, 5).getMap().getClass());
    assertEquals(expected, copy);
    // As Vert.x copies an eagerly built batch: events into hash maps, in their order.
    assertEquals(expected.copy().encode(), copy.encode());
    assertEquals(new JsonObject(expected.encode()), new JsonObject(copy.encode()));

    event(copy, 0).put("only", "copy");
    event(published, 1).put("only", "published");
    JsonObject expectedCopy = expected.copy();
    event(expectedCopy, 0).put("only", "copy");
    assertEquals(expectedCopy.encode(), copy.encode());
    assertEquals(expectedCopy, copy);
    event(expected, 1).put("only", "published");
    assertEquals(expected.encode(), published.encode());
  }

  @Test
  void aCopyFollowsChangesToTheTopLevel() {
    JsonObject published = EventJson.encode(JsonViewListTest.mixedBatch());
    published.remove("late");
    published.put("extra", new JsonObject().put("a", 1));
    published.put("window_id", "changed");
    JsonObject copy = published.copy();
    assertPlain(copy);
    assertEquals(published.encode(), copy.encode());
    assertTrue(copy.encode().startsWith("{\"window_id\":\"changed\",\"session_id\":\"" + SESSION + "\","
      + "\"window_start\":\"2026-11-26T10:00:00.000Z\",\"window_end\":\"2026-11-26T10:00:30.000Z\","
      + "\"part\":1,\"parts\":2,\"replayed\":false,\"events\":[{"), copy.encode());
    assertTrue(copy.encode().endsWith("\"storage\":\"deleted\"}],\"extra\":{\"a\":1}}"), copy.encode());
    assertNotSame(published.getJsonObject("extra"), copy.getJsonObject("extra"));
    copy.getJsonObject("extra").put("a", 2);
    assertEquals(1, published.getJsonObject("extra").getInteger("a"));

    // Another array in place of the events is copied as Vert.x copies it.
    JsonArray replaced = new JsonArray().add(new JsonObject().put("b", 1));
    published.put("events", replaced);
    JsonObject again = published.copy();
    assertEquals("[{\"b\":1}]", again.getJsonArray("events").encode());
    assertNotSame(replaced, again.getJsonArray("events"));
    assertNotSame(replaced.getJsonObject(0), again.getJsonArray("events").getJsonObject(0));
  }

  /** Not a JSON type: Vert.x's copy gives it to the cloner. */
  record Point(int x, int y) {
  }

  @Test
  void valuesThatAreNotJsonGoToTheClonerAsInVertxCopy() {
    JsonObject published = EventJson.encode(JsonViewListTest.mixedBatch());
    event(published, 0).put("point", new Point(1, 2));
    published.put("point", new Point(3, 4));
    IllegalStateException e = assertThrows(IllegalStateException.class, published::copy);
    assertEquals("Illegal type in Json: class " + Point.class.getName(), e.getMessage());

    JsonObject copy = published.copy(o -> o.toString());
    assertEquals("Point[x=3, y=4]", copy.getValue("point"));
    assertEquals("Point[x=1, y=2]", event(copy, 0).getValue("point"));
    assertEquals(new Point(1, 2), event(published, 0).getValue("point"));
  }

  // ---------------------------------------------------------------- cost

  @Test
  void copyingAPublishedBatchOf30000EventsAllocatesNothingPerEvent() {
    List<RawEvent> events = Allocated.window(JsonViewListTest.EVENTS);
    JsonObject published = EventJson.encode(JsonViewTest.batchOf(events));
    JsonObject small = EventJson.encode(JsonViewTest.batchOf(events.subList(0, 10)));
    long large = Allocated.bytes(() -> assertEquals(30_000, published.copy().getJsonArray("events").size()));
    long few = Allocated.bytes(() -> assertEquals(10, small.copy().getJsonArray("events").size()));
    // Once every event's view was made (by an encoder, say), unchanged, a copy still makes none.
    assertTrue(published.encode().endsWith("}],\"screenshot_refs\":[]}"));
    long afterRead = Allocated.bytes(() -> assertEquals(30_000, published.copy().getJsonArray("events").size()));
    String figures = "copy() allocated " + large + " bytes for 30 000 events, " + few + " for 10, "
      + afterRead + " for 30 000 once read";
    assertTrue(large < 64 << 10, figures);
    assertTrue(afterRead < 64 << 10, figures);
    // Nothing grows with the number of events (a word per event would be 120 KB).
    assertTrue(large - few < 1024, figures);
    assertTrue(afterRead - few < 1024, figures);
  }
}
