package dev.tandem.cli.verify;

import static java.util.Objects.requireNonNull;

import dev.tandem.jdbc.RowMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A read-only {@link RowMapper} of any table's value columns into a {@link Row}, for {@code tandem
 * verify}, which never writes.
 */
final class RowReader implements RowMapper<Row> {

  private final List<String> columns;

  RowReader(List<String> columns) {
    this.columns = List.copyOf(requireNonNull(columns, "columns"));
  }

  @Override
  public List<String> columns() {
    return columns;
  }

  @Override
  public Row read(ResultSet rs) throws SQLException {
    @Nullable Object[] values = new Object[columns.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = rs.getObject(columns.get(i));
    }
    return new Row(values);
  }

  /** Always fails: verify only reads. */
  @Override
  public List<?> write(Row value) {
    throw new UnsupportedOperationException("tandem verify only reads; it never writes rows");
  }

  @Override
  public String toString() {
    return "RowReader" + columns;
  }
}
