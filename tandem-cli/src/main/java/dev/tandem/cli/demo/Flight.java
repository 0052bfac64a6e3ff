package dev.tandem.cli.demo;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.LocalDateTime;

/**
 * The value columns of one row of the {@code flight} table: what the demo caches under the row's
 * {@code flight_id}.
 *
 * @param flightNo the flight number, for example {@code NV1170}
 * @param from the departure airport's id
 * @param to the arrival airport's id
 * @param airlineId the airline's id
 * @param departure the scheduled departure, local time of the schedule
 * @param arrival the scheduled arrival, after the departure
 */
record Flight(
    String flightNo,
    int from,
    int to,
    int airlineId,
    LocalDateTime departure,
    LocalDateTime arrival) {

  Flight {
    requireNonNull(flightNo, "flightNo");
    requireNonNull(departure, "departure");
    requireNonNull(arrival, "arrival");
    if (!arrival.isAfter(departure)) {
      throw new IllegalArgumentException(
          "flight "
              + flightNo
              + " must arrive after it departs: departure "
              + departure
              + ", arrival "
              + arrival);
    }
  }

  /** Returns this flight with departure and arrival moved by {@code delay}. */
  Flight delayedBy(Duration delay) {
    return withTimes(departure.plus(delay), arrival.plus(delay));
  }

  /** Returns this flight with other times. */
  Flight withTimes(LocalDateTime newDeparture, LocalDateTime newArrival) {
    return new Flight(flightNo, from, to, airlineId, newDeparture, newArrival);
  }
}
