package dev.tandem.examples.flights;

import dev.tandem.Tandem;
import java.time.Duration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /flights/{id}} and {@code POST /flights/{id}/delay}, read and written through Tandem.
 */
@RestController
public class FlightController {

  /** The body of a delay: minutes to move departure and arrival by. */
  public record Delay(int minutes) {}

  private final Tandem<Long, Flight> flights;

  /** Creates the controller over the cache {@code flights}. */
  public FlightController(Tandem<Long, Flight> flights) {
    this.flights = flights;
  }

  /** Returns the flight, from the cache or loaded from the database; 404 if there is none. */
  @GetMapping("/flights/{id}")
  public ResponseEntity<Flight> flight(@PathVariable long id) {
    return ResponseEntity.of(flights.get(id));
  }

  /**
   * Delays the flight: reads it under its lock, writes the moved times to the database and the
   * cache, and returns the flight once both are done; 404 if there is none.
   */
  @PostMapping("/flights/{id}/delay")
  public ResponseEntity<Flight> delay(@PathVariable long id, @RequestBody Delay delay) {
    return ResponseEntity.of(
        flights.update(id, flight -> flight.delayedBy(Duration.ofMinutes(delay.minutes()))));
  }
}
