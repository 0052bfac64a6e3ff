package dev.tandem.redis;

import dev.tandem.jdbc.RowMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** One BIGINT value column, for the tests that keep numbers. */
record LongColumn(String column) implements RowMapper<Long> {

  @Override
  public List<String> columns() {
    return List.of(column);
  }

  @Override
  public Long read(ResultSet rs) throws SQLException {
    return rs.getLong(column);
  }

  @Override
  public List<?> write(Long value) {
    return List.of(value);
  }
}
