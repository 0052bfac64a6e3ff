package dev.tandem;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The new values of some of a row's value columns: what a field update ({@link
 * Tandem#update(Object, Columns)}) sets, leaving the other columns as they are.
 *
 * <pre>{@code
 * flights.update(115L, Columns.set("departure", t1).and("arrival", t2));
 * }</pre>
 *
 * <p>Column names are the store's own (for a {@code JdbcStore}, the names its row mapper lists);
 * each value is bound as the store binds the values its mapper writes (for JDBC: {@code
 * setObject}), and null sets the column to SQL NULL. Immutable and thread-safe.
 */
public final class Columns {

  private final Map<String, @Nullable Object> values;

  private Columns(Map<String, @Nullable Object> values) {
    this.values = values;
  }

  /**
   * Returns the change of one column.
   *
   * @throws NullPointerException if column is null
   * @throws IllegalArgumentException if column is blank
   */
  public static Columns set(String column, @Nullable Object value) {
    return new Columns(Map.of()).and(column, value);
  }

  /**
   * Returns the changes of {@code columns}, in the map's iteration order.
   *
   * @throws NullPointerException if the map or one of its names is null
   * @throws IllegalArgumentException if the map is empty or a name is blank
   */
  public static Columns of(Map<String, ? extends @Nullable Object> columns) {
    requireNonNull(columns, "columns");
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("columns must name at least one column");
    }
    Columns result = new Columns(Map.of());
    for (Map.Entry<String, ? extends @Nullable Object> e : columns.entrySet()) {
      result = result.and(e.getKey(), e.getValue());
    }
    return result;
  }

  /**
   * Returns these changes and that of one more column.
   *
   * @throws NullPointerException if column is null
   * @throws IllegalArgumentException if column is blank or already set here
   */
  public Columns and(String column, @Nullable Object value) {
    requireNonNull(column, "column");
    if (column.isBlank()) {
      throw new IllegalArgumentException("column name must not be blank");
    }
    if (values.containsKey(column)) {
      throw new IllegalArgumentException("column " + column + " is set twice");
    }
    Map<String, @Nullable Object> next = new LinkedHashMap<>(values);
    next.put(column, value);
    return new Columns(Collections.unmodifiableMap(next));
  }

  /**
   * Returns the changes as an unmodifiable map from column name to value, in the order they were
   * set.
   */
  public Map<String, @Nullable Object> asMap() {
    return values;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Columns other && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return "Columns" + values;
  }
}
