package dev.skellyjelly.storage.query;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The length the size check measures for a requester on the bus is the length of the text an HTTP requester
 * gets, for every kind of value an answer holds: escapes, text beyond ASCII, numbers, nulls, nested lists and
 * objects, the rows of {@link LeafListStrategy}.
 */
class QueryEngineTest {

  @Test
  void theMeasuredLengthIsTheTextsLength() {
    String[] keys = {"id", "title", "n"};
    JsonObject data = new JsonObject()
      .put("events", new JsonArray(Arrays.asList(
        new LeafListStrategy.Row(keys, new Object[]{"e1", "Rapport — \"Q3\" \\ plan\n\t✓ 日本語 😀", 42L}),
        new LeafListStrategy.Row(keys, new Object[]{"e2", null, 3.25}))))
      .put("data", new JsonObject().put("flag", true).put("list", List.of(1, -2.5e-7, "x</script>")))
      .putNull("nextCursor");
    JsonObject response = new JsonObject().put("data", data);
    assertEquals(response.toBuffer().length(), QueryEngine.textLength(response.getMap()));
    JsonObject error = QueryEngine.error("the response is over 4 MB of JSON");
    assertEquals(error.toBuffer().length(), QueryEngine.textLength(error.getMap()));
  }
}
