package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.JsonTextLength;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphqlErrorBuilder;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.AsyncSerialExecutionStrategy;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The GraphQL engine of CONTRACT §8: the schema wired to the resolvers, depth at most {@link #MAX_DEPTH}, each
 * resolver's refusal a GraphQL error with its message (naming the argument), and a response of more than
 * {@link #MAX_RESPONSE_BYTES} of JSON replaced by an error asking for a smaller page.
 */
final class QueryEngine {

  static final int MAX_DEPTH = 10;
  static final int MAX_RESPONSE_BYTES = 4 << 20;

  /**
   * Vert.x's JSON text writer over Jackson's streaming generator: one pass over graphql-java's maps and lists,
   * without the object mapper's per-value serializer lookups (the same text).
   */
  private static final JacksonCodec TEXT = new JacksonCodec();

  private final QueryContext ctx;
  private final GraphQL graphQL;

  private QueryEngine(QueryContext ctx, GraphQL graphQL) {
    this.ctx = ctx;
    this.graphQL = graphQL;
  }

  /** Parses the schema and wires it (blocking: a resource is read; for a worker thread). */
  static QueryEngine build(QueryContext ctx) throws IOException {
    String sdl;
    try (InputStream in = QueryEngine.class.getResourceAsStream("schema.graphqls")) {
      sdl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    EventsResolver events = new EventsResolver(ctx);
    RollupResolver rollups = new RollupResolver(ctx);
    HistoryResolver history = new HistoryResolver(ctx);
    StorageResolver storage = new StorageResolver(ctx);
    ControlResolver control = new ControlResolver(ctx);
    RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring()
      .scalar(Scalars.DATE_TIME)
      .scalar(Scalars.JSON)
      .type("Query", b -> b
        .dataFetcher("events", fetcher(ctx, events::events))
        .dataFetcher("timeline", fetcher(ctx, rollups::timeline))
        .dataFetcher("appUsage", fetcher(ctx, rollups::appUsage))
        .dataFetcher("sessions", fetcher(ctx, history::sessions))
        .dataFetcher("screenshots", fetcher(ctx, history::screenshots))
        .dataFetcher("batches", fetcher(ctx, history::batches))
        .dataFetcher("storage", fetcher(ctx, storage::storage))
        .dataFetcher("capture", fetcher(ctx, control::capture))
        .dataFetcher("devScreenshots", fetcher(ctx, history::devScreenshots)))
      .type("StorageStats", b -> b.dataFetcher("eventsByDay", fetcher(ctx, storage::eventsByDay)))
      .type("Mutation", b -> b
        .dataFetcher("pause", fetcher(ctx, control::pause))
        .dataFetcher("resume", fetcher(ctx, control::resume))
        .dataFetcher("forget", fetcher(ctx, control::forget))
        .dataFetcher("deleteRange", fetcher(ctx, control::deleteRange)))
      .build();
    GraphQLSchema schema = new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(sdl), wiring);
    DataFetcherExceptionHandler errors = params -> {
      Throwable e = params.getException();
      while (e instanceof CompletionException && e.getCause() != null) {
        e = e.getCause();
      }
      GraphqlErrorBuilder<?> error = GraphqlErrorBuilder.newError().message(e.getMessage() == null ? e.toString() : e.getMessage())
        .path(params.getPath()).location(params.getSourceLocation());
      if (e instanceof BadArgument bad) {
        error.extensions(Map.of("code", "BAD_ARGUMENT", "argument", bad.argument()));
      }
      return CompletableFuture.completedFuture(DataFetcherExceptionHandlerResult.newResult(error.build()).build());
    };
    GraphQL graphQL = GraphQL.newGraphQL(schema)
      .queryExecutionStrategy(new LeafListStrategy(errors))
      .mutationExecutionStrategy(new AsyncSerialExecutionStrategy(errors))
      .instrumentation(new MaxQueryDepthInstrumentation(MAX_DEPTH))
      .preparsedDocumentProvider(new DocumentCache())
      .build();
    return new QueryEngine(ctx, graphQL);
  }

  /**
   * A resolver whose refusals thrown before it returns a future fail that future instead, and whose value is
   * handed on to graphql-java on a worker thread: completing a page's thousands of fields never holds the event loop.
   */
  private static <T> DataFetcher<CompletionStage<T>> fetcher(QueryContext ctx, Function<graphql.schema.DataFetchingEnvironment, Future<T>> f) {
    return env -> {
      Future<T> value;
      try {
        value = f.apply(env);
      } catch (RuntimeException e) {
        value = Future.failedFuture(e);
      }
      return value.toCompletionStage().thenApplyAsync(v -> v, ctx::onWorker);
    };
  }

  /**
   * A query's answer: the response as graphql-java made it and, for a requester that asked for it (the HTTP
   * route), its JSON text, made once off the event loops; for every other the text is only measured, never kept.
   */
  record Answer(JsonObject json, Buffer text) {
    static Answer of(JsonObject json, boolean asText) {
      return new Answer(json, asText ? json.toBuffer() : null);
    }

    boolean failed() {
      return hasErrors(json);
    }
  }

  /**
   * Runs one request {@code {"query", "variables"}}; the response, at most {@link #MAX_RESPONSE_BYTES} as JSON text,
   * with that text when {@code asText}.
   */
  Future<Answer> execute(String query, Map<String, Object> variables, boolean asText) {
    ExecutionInput input = ExecutionInput.newExecutionInput().query(query)
      .variables(variables == null ? Map.of() : variables).build();
    return Future.fromCompletionStage(graphQL.executeAsync(input).thenApplyAsync(r -> encode(r, asText), ctx::onWorker),
      ctx.vertx().getOrCreateContext());
  }

  private static Answer encode(ExecutionResult result, boolean asText) {
    JsonObject response = new Response(result.toSpecification());
    Buffer text = asText ? TEXT.toBuffer(response.getMap(), false) : null;
    if ((text != null ? text.length() : JsonTextLength.of(response.getMap())) > MAX_RESPONSE_BYTES) {
      return Answer.of(error("the response is over " + (MAX_RESPONSE_BYTES >> 20) + " MB of JSON: ask for a smaller page (first)"),
        asText);
    }
    return new Answer(response, text);
  }

  /**
   * A response as the bus carries it to its one requester: the local delivery's copy shares the maps and lists
   * graphql-java made rather than copying them deep (a page of 10 000 events is some 70 000 values), as nothing
   * keeps them here once the reply is sent. What the requester receives is a plain {@link JsonObject}.
   */
  private static final class Response extends JsonObject {
    Response(Map<String, Object> specification) {
      super(specification);
    }

    @Override
    public JsonObject copy(Function<Object, ?> cloner) {
      return new JsonObject(getMap());
    }
  }

  /** A response holding one error and no data. */
  static JsonObject error(String message) {
    return new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("message", message)))
      .put("data", null);
  }

  static boolean hasErrors(JsonObject response) {
    JsonArray errors = response.getJsonArray("errors");
    return errors != null && !errors.isEmpty();
  }

}
