package dev.tandem.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Maps a value to the value columns of a table row and back. The key column and the version
 * column are not the mapper's business: {@link JdbcStore} reads and writes them.
 *
 * <p>Implementations must be thread-safe and should be quick: {@link #write} runs before every
 * write, {@link #read} for every loaded row.
 *
 * @param <V> the value type
 */
public interface RowMapper<V> {

  /** Returns the names of the value columns, in the order of {@link #write}'s result; not empty. */
  List<String> columns();

  /**
   * Reads a value from the current row of {@code rs}, which holds the {@link #columns()} (read
   * them by name).
   *
   * @throws SQLException if a column cannot be read
   */
  V read(ResultSet rs) throws SQLException;

  /**
   * Returns the JDBC values of {@link #columns()} for {@code value}, in the same order; each is
   * bound with {@link java.sql.PreparedStatement#setObject(int, Object)}. A value that cannot be
   * stored may throw any runtime exception: the store reports it as a rejected value of its key.
   */
  List<?> write(V value);

  /** Returns a mapper of a single text (or JSON) column read with {@code getString}. */
  static RowMapper<String> text(String column) {
    return SingleColumn.text(column);
  }

  /** Returns a mapper of a single binary column read with {@code getBytes}. */
  static RowMapper<byte[]> bytes(String column) {
    return SingleColumn.bytes(column);
  }
}
