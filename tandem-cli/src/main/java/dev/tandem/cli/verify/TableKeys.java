package dev.tandem.cli.verify;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The keys of a table, the key source of a {@link dev.tandem.verify.Verifier} over a JDBC store:
 * every key the database has, read in one query in key order.
 */
public final class TableKeys {

  private TableKeys() {}

  /**
   * Returns every key of {@code table}.
   *
   * @param table {@code name} or {@code schema.name}, looked up as written or folded to upper or
   *     lower case, as unquoted SQL names are
   * @param keyColumn the key column, looked up the same way
   * @param keyType the Java type of the keys: String, Long, Integer or UUID
   * @throws IllegalArgumentException if the table or the column does not exist
   * @throws SQLException if the query fails
   */
  public static <K> List<K> of(
      DataSource dataSource, String table, String keyColumn, Class<K> keyType) throws SQLException {
    requireNonNull(dataSource, "dataSource");
    requireNonNull(table, "table");
    requireNonNull(keyColumn, "keyColumn");
    requireNonNull(keyType, "keyType");
    try (Connection c = dataSource.getConnection()) {
      TableShape shape = TableShape.of(c, table);
      TableShape.Column column = shape.column(keyColumn);
      if (column == null) {
        throw new IllegalArgumentException("table " + shape.name() + " has no column " + keyColumn);
      }
      String key = shape.quoteIdentifier(column.name());
      List<K> keys = new ArrayList<>();
      try (PreparedStatement ps =
              c.prepareStatement("SELECT " + key + " FROM " + shape.quoted() + " ORDER BY " + key);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          keys.add(keyType.cast(rs.getObject(1, keyType)));
        }
      }
      return keys;
    }
  }
}
