package dev.tandem.ycsb;

import dev.tandem.jdbc.RowMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Maps a YCSB record, an immutable map of field name to value, to the field columns. A field that a
 * record lacks is written as SQL NULL and left out when read.
 */
final class RecordMapper implements RowMapper<Map<String, String>> {

  private final List<String> fields;

  RecordMapper(List<String> fields) {
    this.fields = List.copyOf(fields);
  }

  @Override
  public List<String> columns() {
    return fields;
  }

  @Override
  public Map<String, String> read(ResultSet rs) throws SQLException {
    Map<String, String> record = new LinkedHashMap<>();
    for (String field : fields) {
      String value = rs.getString(field);
      if (value != null) {
        record.put(field, value);
      }
    }
    return Collections.unmodifiableMap(record);
  }

  @Override
  public List<?> write(Map<String, String> record) {
    List<@Nullable Object> values = new ArrayList<>(fields.size());
    for (String field : fields) {
      values.add(record.get(field)); // null for a missing field: bound as SQL NULL
    }
    return values;
  }
}
