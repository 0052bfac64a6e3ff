package dev.tandem.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** The mapper of a value held in one column: {@link RowMapper#text} and {@link RowMapper#bytes}. */
final class SingleColumn<V> implements RowMapper<V> {

  @FunctionalInterface
  private interface Reader<V> {
    V read(ResultSet rs, String column) throws SQLException;
  }

  private final String column;
  private final Reader<V> reader;

  private SingleColumn(String column, Reader<V> reader) {
    this.column = QualifiedName.identifier(column, "column");
    this.reader = reader;
  }

  static SingleColumn<String> text(String column) {
    return new SingleColumn<>(column, ResultSet::getString);
  }

  static SingleColumn<byte[]> bytes(String column) {
    return new SingleColumn<>(column, ResultSet::getBytes);
  }

  @Override
  public List<String> columns() {
    return List.of(column);
  }

  @Override
  public V read(ResultSet rs) throws SQLException {
    return reader.read(rs, column);
  }

  @Override
  public List<?> write(V value) {
    return List.of(value);
  }

  @Override
  public String toString() {
    return "RowMapper(" + column + ")";
  }
}
