package dev.skellyjelly.storage.query;

import graphql.ExecutionInput;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.execution.preparsed.PreparsedDocumentProvider;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The parsed and validated documents of the last {@link #ENTRIES} distinct queries of at most
 * {@link #MAX_QUERY_CHARS} characters (a client asking the same query again, with other variables, skips parsing
 * and validation); documents that failed validation are not kept.
 */
final class DocumentCache implements PreparsedDocumentProvider {

  static final int ENTRIES = 64;
  static final int MAX_QUERY_CHARS = 8192;

  private final Map<String, PreparsedDocumentEntry> entries = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, PreparsedDocumentEntry> eldest) {
      return size() > ENTRIES;
    }
  };

  @Override
  public CompletableFuture<PreparsedDocumentEntry> getDocumentAsync(ExecutionInput input,
                                                                    Function<ExecutionInput, PreparsedDocumentEntry> parseAndValidate) {
    String query = input.getQuery();
    if (query.length() > MAX_QUERY_CHARS) {
      return CompletableFuture.completedFuture(parseAndValidate.apply(input));
    }
    PreparsedDocumentEntry entry;
    synchronized (entries) {
      entry = entries.get(query);
    }
    if (entry == null) {
      entry = parseAndValidate.apply(input);
      if (!entry.hasErrors()) {
        synchronized (entries) {
          entries.put(query, entry);
        }
      }
    }
    return CompletableFuture.completedFuture(entry);
  }
}
