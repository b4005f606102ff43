package dev.skellyjelly.storage.query;

import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.execution.AsyncExecutionStrategy;
import graphql.execution.ExecutionStrategy;
import graphql.execution.SimpleDataFetcherExceptionHandler;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A list completed by {@link LeafListStrategy} is exactly what graphql-java's own strategy gives for the same
 * query and data: the same keys in the same order, the same serialized values, the same errors and nulls. The
 * queries cover what a client may write: aliases, repeated fields, fragments, {@code @skip}/{@code @include},
 * {@code __typename}, a nested object beside the leaves, a field with its own fetcher, and values the schema
 * refuses (a null where it says non-null, a time that is not a number).
 */
class LeafListStrategyTest {

  private static final String SDL = """
    scalar DateTime
    scalar JSON
    enum Kind { A, B }
    type Query { items(bad: Int = 0): [Item!]!, points: [Point!]!, maybe: [Item] }
    type Item { id: ID!, at: DateTime!, kind: Kind!, app: String!, note: String, data: JSON!, owner: Owner, shout: String! }
    type Point { start: DateTime!, count: Int! }
    type Owner { name: String! }
    """;

  private static final String[] QUERIES = {
    "{ items { id at kind app note data } }",
    "{ items { k: kind id2: id id at __typename } }",
    "query($s: Boolean!) { items { id note @skip(if: $s) app @include(if: $s) ...F } } fragment F on Item { at id }",
    "{ items { id owner { name } } }",
    "{ items { id shout } }",
    "{ items(bad: 1) { id app } }",
    "{ items(bad: 2) { id at } }",
    "{ points { start count } maybe { id } }",
  };

  private static final AtomicInteger READS_BY_NAME = new AtomicInteger();

  /** An item whose fields are read by name, as the events of a page are. */
  private record Item(String id, Object at, String kind, String app, String note, JsonObject data) implements LeafListStrategy.Fields {
    @Override
    public Object field(String name) {
      READS_BY_NAME.incrementAndGet();
      return switch (name) {
        case "id" -> id;
        case "at" -> at;
        case "kind" -> kind;
        case "app" -> app;
        case "note" -> note;
        case "data" -> data;
        default -> null;
      };
    }

    public Map<String, Object> owner() {
      return Map.of("name", "owner of " + id);
    }
  }

  private static GraphQL engine(ExecutionStrategy strategy) {
    RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring()
      .scalar(Scalars.DATE_TIME)
      .scalar(Scalars.JSON)
      .type("Query", b -> b
        .dataFetcher("items", env -> items(env.<Integer>getArgument("bad")))
        .dataFetcher("points", env -> points())
        .dataFetcher("maybe", env -> java.util.Arrays.asList(items(0).get(0), null)))
      .type("Item", b -> b.dataFetcher("shout", env -> ((Item) env.getSource()).app().toUpperCase()))
      .build();
    GraphQLSchema schema = new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(SDL), wiring);
    return GraphQL.newGraphQL(schema).queryExecutionStrategy(strategy).build();
  }

  private static List<Object> items(int bad) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Object at = bad == 2 && i == 7 ? "yesterday" : 1_764_000_000_000L + i * 1_000L;
      String app = bad == 1 && i == 3 ? null : "app-" + i % 4;
      out.add(new Item("e" + i, at, i % 3 == 0 ? "B" : "A", app, i % 2 == 0 ? null : "n" + i,
        new JsonObject().put("i", i).put("nested", new JsonObject().put("x", List.of(1, 2)))));
    }
    return out;
  }

  private static List<Object> points() {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("start", 1_764_000_000_000L + i * 60_000L);
      p.put("count", i * 3);
      out.add(p);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
  void answersEqualGraphqlJavasOwn(int q) {
    Map<String, Object> variables = new HashMap<>();
    variables.put("s", q % 2 == 0);
    ExecutionInput input = ExecutionInput.newExecutionInput().query(QUERIES[q]).variables(variables).build();
    ExecutionResult expected = engine(new AsyncExecutionStrategy()).execute(input);
    ExecutionInput again = ExecutionInput.newExecutionInput().query(QUERIES[q]).variables(variables).build();
    READS_BY_NAME.set(0);
    ExecutionResult actual = engine(new LeafListStrategy(new SimpleDataFetcherExceptionHandler())).execute(again);
    // The lists of leaves were completed in one pass (the items read by name); the others the general way.
    if (q <= 2) {
      assertTrue(READS_BY_NAME.get() >= 50, "read by name: " + READS_BY_NAME.get());
    } else if (q <= 4) {
      assertEquals(0, READS_BY_NAME.get(), "a nested object or a field's own fetcher goes the general way");
    }
    assertEquals(new JsonObject(expected.toSpecification()).encode(), new JsonObject(actual.toSpecification()).encode(),
      QUERIES[q]);
    // A requester may change its answer, as it may any JSON object it is given.
    JsonObject answer = new JsonObject(actual.toSpecification());
    JsonObject mutable = new JsonObject(expected.toSpecification());
    for (String list : List.of("items", "points")) {
      if (answer.getValue("data") instanceof JsonObject data && data.getValue(list) instanceof io.vertx.core.json.JsonArray a) {
        JsonObject item = a.getJsonObject(0);
        JsonObject same = mutable.getJsonObject("data").getJsonArray(list).getJsonObject(0);
        String first = item.fieldNames().iterator().next();
        item.put(first, "changed").put("added", 1).remove(first);
        same.put(first, "changed").put("added", 1).remove(first);
        assertEquals(same.encode(), item.encode(), QUERIES[q]);
        assertEquals(same, item, QUERIES[q]);
      }
    }
  }
}
