package dev.tandem.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Maps a value to the value columns of a table row and back. The key column and the version column
 * are not the mapper's business: {@link JdbcStore} reads and writes them.
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
   * Reads a value from the current row of {@code rs}, which holds the {@link #columns()} (read them
   * by name).
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

  /**
   * Returns a mapper of a record to one column per component, named by the component in snake_case
   * ({@code delayMinutes} in {@code delay_minutes}; the database's case folding applies as for
   * every name). The record's canonical constructor and accessors are looked up once, here, as
   * method handles; a row costs one JDBC getter per column. When the {@link JdbcStore} is built,
   * every column is checked against the table: a missing column, or one whose SQL type does not
   * hold the component's type (an {@code int} component in a {@code bigint} column, a {@code
   * String} in an {@code integer}), fails the build with a message naming the component and the
   * column.
   *
   * <p>Component types: {@code String} (text types, JSON), enums (their name, in a text type),
   * {@code long}, {@code int}, {@code short}, {@code boolean}, {@code double}, {@code float} and
   * their boxes, {@code BigDecimal}, {@code byte[]}, {@code UUID}, {@code LocalDate}, {@code
   * LocalTime}, {@code LocalDateTime} (timestamp) and {@code OffsetDateTime} or {@code Instant}
   * (timestamp with time zone). A boxed component may be null (SQL NULL); reading NULL into a
   * primitive component fails naming the column. The key and version columns are not components:
   * the store reads and writes them.
   *
   * <p>The record must be accessible to this module: public, or in a package open to it (any
   * package on the class path is); else pass a lookup with {@link #ofRecord(Class,
   * java.lang.invoke.MethodHandles.Lookup)}.
   *
   * @throws IllegalArgumentException if {@code type} is not a record, has a component of another
   *     type, or cannot be accessed; the message names the component
   */
  static <V extends Record> RowMapper<V> ofRecord(Class<V> type) {
    return new ComponentMapper<>(type, null);
  }

  /**
   * Returns a mapper of a record (as {@link #ofRecord(Class)}) or of a simple class, whose
   * components are found this way: the parameters of a public constructor whose parameters all have
   * names (the class was compiled with {@code -parameters}) and each an accessor of the same type
   * ({@code name()}, {@code getName()} or {@code isName()}), the longest such constructor; else the
   * properties of a JavaBean, a public no-argument constructor and, per property, a public setter
   * and getter (in the order the fields are declared). Columns, types and checks are those of
   * {@link #ofRecord(Class)}, and so is access: pass a lookup with {@link #ofRecord(Class,
   * java.lang.invoke.MethodHandles.Lookup)}'s rules to {@link #ofClass(Class,
   * java.lang.invoke.MethodHandles.Lookup)}.
   *
   * @throws IllegalArgumentException if {@code type} is abstract, an interface, an enum or an inner
   *     class, has neither kind of constructor, has a component of a type not mapped, or cannot be
   *     accessed; the message names the class and the component
   */
  static <V> RowMapper<V> ofClass(Class<V> type) {
    return new ComponentMapper<>(type, null);
  }

  /**
   * Returns the mapper of {@link #ofClass(Class)}, looking up the class's constructor and methods
   * with {@code lookup}.
   *
   * @throws IllegalArgumentException as {@link #ofClass(Class)}
   */
  static <V> RowMapper<V> ofClass(Class<V> type, java.lang.invoke.MethodHandles.Lookup lookup) {
    return new ComponentMapper<>(type, java.util.Objects.requireNonNull(lookup, "lookup"));
  }

  /**
   * Returns the mapper of {@link #ofRecord(Class)}, looking up the record's constructor and
   * accessors with {@code lookup} (pass {@code MethodHandles.lookup()} from a class that can see a
   * record that is not public).
   *
   * @throws IllegalArgumentException as {@link #ofRecord(Class)}
   */
  static <V extends Record> RowMapper<V> ofRecord(
      Class<V> type, java.lang.invoke.MethodHandles.Lookup lookup) {
    return new ComponentMapper<>(type, java.util.Objects.requireNonNull(lookup, "lookup"));
  }
}
