package dev.tandem.cli.demo;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The queries the demo runs itself, straight on the database and never through Tandem: the
 * database's side of the consistency check, the route and airline names, the audit log's size.
 */
final class FlightQueries {

  static final String ROW_SQL =
      "SELECT flight_id, flightno, \"from\", \"to\", airline_id, departure, arrival, tandem_version"
          + " FROM flight WHERE flight_id = ?";

  static final String ROUTE_SQL =
      "SELECT dep.iata AS from_iata, dep.city AS from_city, arr.iata AS to_iata, arr.city AS to_city,"
          + " al.airlinename"
          + " FROM flight f"
          + " JOIN airport dep ON dep.airport_id = f.\"from\""
          + " JOIN airport arr ON arr.airport_id = f.\"to\""
          + " JOIN airline al ON al.airline_id = f.airline_id"
          + " WHERE f.flight_id = ?";

  static final String LOG_COUNT_SQL = "SELECT COUNT(*) FROM flight_log";

  private static final String ID_RANGE_SQL =
      "SELECT MIN(flight_id), MAX(flight_id), COUNT(*) FROM flight";

  private final DataSource dataSource;

  FlightQueries(DataSource dataSource) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
  }

  /**
   * A flight as the database holds it.
   *
   * @param flight the row
   * @param version Tandem's version column
   */
  record Row(Flight flight, long version) {}

  /**
   * The names behind a flight's ids, for display.
   *
   * @param fromIata the departure airport's code
   * @param fromCity the departure city
   * @param toIata the arrival airport's code
   * @param toCity the arrival city
   * @param airline the airline's name
   */
  record Route(String fromIata, String fromCity, String toIata, String toCity, String airline) {}

  /** Returns the committed row of flight {@code id}, or empty if there is none. */
  Optional<Row> row(long id) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement(ROW_SQL)) {
      select.setLong(1, id);
      try (ResultSet row = select.executeQuery()) {
        return row.next()
            ? Optional.of(new Row(FlightMapper.readFlight(row), row.getLong("tandem_version")))
            : Optional.empty();
      }
    }
  }

  /** Returns the names of flight {@code id}'s airports and airline. */
  Route route(long id) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement(ROUTE_SQL)) {
      select.setLong(1, id);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          throw new SQLException(
              "flight " + id + " has no route: its airports or airline are missing");
        }
        return new Route(
            row.getString("from_iata"),
            row.getString("from_city"),
            row.getString("to_iata"),
            row.getString("to_city"),
            row.getString("airlinename"));
      }
    }
  }

  /** Returns the number of rows in the audit log. */
  long logRows() throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement count = connection.prepareStatement(LOG_COUNT_SQL);
        ResultSet row = count.executeQuery()) {
      row.next();
      return row.getLong(1);
    }
  }

  /** Describes which flights exist, for example "flights 1 to 6000", for an error message. */
  String describeFlights() throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement(ID_RANGE_SQL);
        ResultSet row = select.executeQuery()) {
      row.next();
      long count = row.getLong(3);
      if (count == 0) {
        return "no flights";
      }
      long min = row.getLong(1);
      long max = row.getLong(2);
      return max - min + 1 == count
          ? "flights " + min + " to " + max
          : count + " flights with ids from " + min + " to " + max;
    }
  }
}
