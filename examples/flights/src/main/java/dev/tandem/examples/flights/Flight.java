package dev.tandem.examples.flights;

import java.time.Duration;
import java.time.LocalDateTime;

/**
 * A row of the table {@code flight} (its key, {@code flight_id}, and version are not components):
 * each component is the column of its name in snake_case.
 *
 * @param flightNo the flight number, e.g. {@code NV1170}
 * @param origin the departure airport
 * @param destination the arrival airport
 * @param departure the scheduled departure, local time
 * @param arrival the scheduled arrival
 */
public record Flight(
    String flightNo,
    String origin,
    String destination,
    LocalDateTime departure,
    LocalDateTime arrival) {

  /** Returns this flight with departure and arrival moved by {@code delay}. */
  public Flight delayedBy(Duration delay) {
    return new Flight(flightNo, origin, destination, departure.plus(delay), arrival.plus(delay));
  }
}
