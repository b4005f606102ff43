package dev.skellyjelly.storage.query;

import io.vertx.core.Future;

/**
 * Where a resolver's statements run: the pool, each statement on its own snapshot of the database, or one
 * connection inside a read transaction ({@link ReadPool#inOneSnapshot}), every statement on the same snapshot.
 */
interface Reads {

  /** The rows of {@code sql} with its parameters bound in order. */
  Future<Rows> query(String sql, Object... params);
}
