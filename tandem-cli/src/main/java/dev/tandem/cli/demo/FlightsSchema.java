package dev.tandem.cli.demo;

import dev.tandem.jdbc.JdbcSchema;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The demo's tables: {@code airport}, {@code airline}, {@code flight} (with Tandem's version
 * column) and the {@code flight_log} audit table, in SQL that H2 and PostgreSQL both accept.
 *
 * <p>Names are unquoted, so each database folds them its way (H2 to upper case, PostgreSQL to lower
 * case), except the columns {@code "from"} and {@code "to"}: reserved words, quoted in lower case
 * everywhere.
 *
 * <p>The tables and rows are created in one transaction; the version column and the change log
 * follow, the change log last, so that its presence marks a complete schema.
 */
final class FlightsSchema {

  static final String FLIGHT = "flight";
  static final String LOG = "flight_log";
  static final String VERSION_COLUMN = "tandem_version";

  /** The demo's tables, the one created last at the end. */
  static final List<String> TABLES = List.of("airport", "airline", FLIGHT, LOG);

  private static final List<String> DDL =
      List.of(
          """
      CREATE TABLE airport (
        airport_id INTEGER PRIMARY KEY,
        iata VARCHAR(3) NOT NULL UNIQUE,
        name VARCHAR(80) NOT NULL,
        city VARCHAR(60) NOT NULL)""",
          """
      CREATE TABLE airline (
        airline_id INTEGER PRIMARY KEY,
        iata VARCHAR(2) NOT NULL UNIQUE,
        airlinename VARCHAR(60) NOT NULL)""",
          """
      CREATE TABLE flight (
        flight_id BIGINT PRIMARY KEY,
        flightno VARCHAR(8) NOT NULL,
        "from" INTEGER NOT NULL REFERENCES airport (airport_id),
        "to" INTEGER NOT NULL REFERENCES airport (airport_id),
        airline_id INTEGER NOT NULL REFERENCES airline (airline_id),
        departure TIMESTAMP NOT NULL,
        arrival TIMESTAMP NOT NULL,
        CHECK (arrival > departure))""");

  private FlightsSchema() {}

  /** How far a database is from holding the demo schema. */
  enum State {
    /** None of the demo's tables exists. */
    EMPTY,
    /** All of them exist. */
    READY,
    /** Some exist: a first run was cut short, or the tables belong to something else. */
    PARTIAL
  }

  /** Returns which of the demo's tables exist in the connection's current schema. */
  static List<String> existingTables(DataSource dataSource) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      DatabaseMetaData meta = connection.getMetaData();
      List<String> existing = new ArrayList<>();
      for (String table : TABLES) {
        if (exists(meta, connection.getSchema(), table)) {
          existing.add(table);
        }
      }
      return existing;
    }
  }

  /** Returns the state of the demo schema in the database. */
  static State inspect(DataSource dataSource) throws SQLException {
    int existing = existingTables(dataSource).size();
    return existing == 0 ? State.EMPTY : existing == TABLES.size() ? State.READY : State.PARTIAL;
  }

  private static boolean exists(DatabaseMetaData meta, String schema, String table)
      throws SQLException {
    for (String name : List.of(table, table.toUpperCase(Locale.ROOT))) {
      try (ResultSet tables =
          meta.getTables(null, schema, name, new String[] {"TABLE", "BASE TABLE"})) {
        if (tables.next()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Creates the demo tables and fills them with {@code data}, then adds Tandem's version column to
   * {@code flight} and creates the change log. Requires an {@link State#EMPTY} database.
   */
  static void create(DataSource dataSource, FlightsData data) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        try (Statement statement = connection.createStatement()) {
          for (String ddl : DDL) {
            statement.execute(ddl);
          }
        }
        insertAirports(connection, data.airports());
        insertAirlines(connection, data.airlines());
        insertFlights(connection, data.flights());
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
    JdbcSchema.addVersionColumn(dataSource, FLIGHT, VERSION_COLUMN);
    JdbcSchema.createChangeLogTable(dataSource, LOG);
  }

  /** Drops every object of an embedded database that only the demo uses. */
  static void dropEverything(DataSource dataSource) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP ALL OBJECTS");
    }
  }

  private static void insertAirports(Connection connection, List<FlightsData.Airport> airports)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO airport (airport_id, iata, name, city) VALUES (?, ?, ?, ?)")) {
      for (FlightsData.Airport airport : airports) {
        insert.setInt(1, airport.id());
        insert.setString(2, airport.iata());
        insert.setString(3, airport.name());
        insert.setString(4, airport.city());
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  private static void insertAirlines(Connection connection, List<FlightsData.Airline> airlines)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO airline (airline_id, iata, airlinename) VALUES (?, ?, ?)")) {
      for (FlightsData.Airline airline : airlines) {
        insert.setInt(1, airline.id());
        insert.setString(2, airline.iata());
        insert.setString(3, airline.name());
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  private static void insertFlights(Connection connection, List<Flight> flights)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO flight (flight_id, flightno, \"from\", \"to\", airline_id, departure, arrival)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      long id = 0;
      for (Flight flight : flights) {
        insert.setLong(1, ++id);
        insert.setString(2, flight.flightNo());
        insert.setInt(3, flight.from());
        insert.setInt(4, flight.to());
        insert.setInt(5, flight.airlineId());
        insert.setObject(6, flight.departure());
        insert.setObject(7, flight.arrival());
        insert.addBatch();
        if (id % 1_000 == 0) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
    }
  }
}
