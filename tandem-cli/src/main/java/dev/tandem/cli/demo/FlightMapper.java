package dev.tandem.cli.demo;

import dev.tandem.jdbc.RowMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;

/**
 * Maps the value columns of a {@code flight} row to a {@link Flight} and back, for the store and
 * the demo's own reads. The key ({@code flight_id}) and the version column are the store's.
 */
final class FlightMapper implements RowMapper<Flight> {

  private static final List<String> COLUMNS =
      List.of("flightno", "from", "to", "airline_id", "departure", "arrival");

  @Override
  public List<String> columns() {
    return COLUMNS;
  }

  @Override
  public Flight read(ResultSet row) throws SQLException {
    return readFlight(row);
  }

  @Override
  public List<?> write(Flight flight) {
    return Arrays.asList(
        flight.flightNo(),
        flight.from(),
        flight.to(),
        flight.airlineId(),
        flight.departure(),
        flight.arrival());
  }

  /** Reads a flight from a row that has the value columns. */
  static Flight readFlight(ResultSet row) throws SQLException {
    return new Flight(
        row.getString("flightno"),
        row.getInt("from"),
        row.getInt("to"),
        row.getInt("airline_id"),
        row.getObject("departure", LocalDateTime.class),
        row.getObject("arrival", LocalDateTime.class));
  }
}
