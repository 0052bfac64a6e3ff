package dev.tandem.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** A row of the test table {@code flight}: a value mapped to several columns. */
record Flight(String origin, int delayMinutes) {

  /**
   * Creates the table {@code name} with a CHECK that delays are not negative, and its version
   * column.
   */
  static void createTable(TestDatabase db, String name) {
    db.execute(
        "CREATE TABLE "
            + name
            + " (flight_id BIGINT PRIMARY KEY, origin VARCHAR(3) NOT NULL,"
            + " delay_minutes INT NOT NULL CHECK (delay_minutes >= 0))");
    JdbcSchema.addVersionColumn(db.dataSource(), name, "tandem_version");
  }

  /** Maps flights to {@code origin} and {@code delay_minutes}. */
  static final RowMapper<Flight> MAPPER =
      new RowMapper<>() {
        @Override
        public List<String> columns() {
          return List.of("origin", "delay_minutes");
        }

        @Override
        public Flight read(ResultSet rs) throws SQLException {
          return new Flight(rs.getString("origin"), rs.getInt("delay_minutes"));
        }

        @Override
        public List<?> write(Flight value) {
          return List.of(value.origin(), value.delayMinutes());
        }
      };

  static JdbcStore<Long, Flight> store(TestDatabase db, String table) {
    return JdbcStore.<Long, Flight>builder()
        .dataSource(db.dataSource())
        .table(table)
        .keyColumn("flight_id", Long.class)
        .rowMapper(MAPPER)
        .build();
  }

  /** Returns a store over a new flight table of its own. */
  static JdbcStore<Long, Flight> freshStore(TestDatabase db) {
    String table = TestDatabase.uniqueName("flight");
    createTable(db, table);
    return store(db, table);
  }
}
