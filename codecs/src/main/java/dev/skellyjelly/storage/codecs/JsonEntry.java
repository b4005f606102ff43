package dev.skellyjelly.storage.codecs;

import java.util.Map;
import java.util.Objects;

/** What the entries of this module's JSON maps share: equality, hash and text as {@link Map.Entry} defines them. */
abstract class JsonEntry implements Map.Entry<String, Object> {

  @Override
  public boolean equals(Object o) {
    return o instanceof Map.Entry<?, ?> e && getKey().equals(e.getKey()) && Objects.equals(getValue(), e.getValue());
  }

  @Override
  public int hashCode() {
    return getKey().hashCode() ^ Objects.hashCode(getValue());
  }

  @Override
  public String toString() {
    return getKey() + "=" + getValue();
  }
}
