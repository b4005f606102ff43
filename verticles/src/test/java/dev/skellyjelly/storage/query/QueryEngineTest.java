package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.JsonFields;
import dev.skellyjelly.storage.codecs.JsonTextLength;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The length the size check measures for a requester on the bus is the length of the text an HTTP requester
 * gets, for every kind of value an answer holds: escapes, text beyond ASCII, numbers, nulls, nested lists and
 * objects, the items {@link LeafListStrategy} builds.
 */
class QueryEngineTest {

  @Test
  void theMeasuredLengthIsTheTextsLength() {
    JsonFields first = new JsonFields(3);
    first.add("id", "e1");
    first.add("title", "Rapport — \"Q3\" \\ plan\n\t✓ 日本語 😀");
    first.add("n", 42L);
    JsonFields second = new JsonFields(3);
    second.add("id", "e2");
    second.add("title", null);
    second.add("n", 3.25);
    JsonObject data = new JsonObject()
      .put("events", new JsonArray(Arrays.asList(first, second)))
      .put("data", new JsonObject().put("flag", true).put("list", List.of(1, -2.5e-7, "x</script>")))
      .putNull("nextCursor");
    JsonObject response = new JsonObject().put("data", data);
    assertEquals(response.toBuffer().length(), JsonTextLength.of(response.getMap()));
    JsonObject error = QueryEngine.error("the response is over 4 MB of JSON");
    assertEquals(error.toBuffer().length(), JsonTextLength.of(error.getMap()));
  }
}
