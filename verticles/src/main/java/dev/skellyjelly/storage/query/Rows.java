package dev.skellyjelly.storage.query;

import java.util.Iterator;
import java.util.List;

/** The rows of one statement, in the order SQLite gave them. */
record Rows(List<Row> list) implements Iterable<Row> {

  int size() {
    return list.size();
  }

  @Override
  public Iterator<Row> iterator() {
    return list.iterator();
  }
}
