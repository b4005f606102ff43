package dev.skellyjelly.storage.query;

/** One row of a result: its columns as SQLite gave them (Integer or Long, Double, String, byte[], or null). */
record Row(Object[] values) {

  Object getValue(int i) {
    return values[i];
  }
}
