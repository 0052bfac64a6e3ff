package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tandem.Tandem;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * On a real database, a Tandem write from inside the same Tandem's transaction work or update
 * function fails at once. Before, on PostgreSQL, a write of a key that the transaction had touched
 * waited forever for the advisory lock its own transaction held, and a put inside an update
 * function waited forever for the group commit its own batch led (issue 16, item 1).
 */
class ReentrantCallIT {

  private static final Duration AT_ONCE = Duration.ofSeconds(20); // the bug waited forever

  private static Tandem<Long, Flight> tandem(TestDatabase db) {
    String table = TestDatabase.uniqueName("reentrant");
    Flight.createTable(db, table);
    return Tandem.builder(Flight.store(db, table)).build();
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aWriteInsideATransactionOfAKeyItTouchedFailsAtOnce(TestDatabase db) {
    try (Tandem<Long, Flight> tandem = tandem(db)) {
      tandem.put(115L, new Flight("LH", 0));
      assertTimeoutPreemptively(
          AT_ONCE,
          () ->
              assertThatThrownBy(
                      () ->
                          tandem.transaction(
                              tx -> {
                                Flight flight = tx.get(115L).orElseThrow();
                                return tandem.put(115L, new Flight(flight.origin(), 30));
                              }))
                  .isInstanceOf(IllegalStateException.class)
                  .hasMessageContaining("tx.put"));

      assertThat(tandem.put(115L, new Flight("LH", 30))).as("the key is free again").isPositive();
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aPutInsideAnUpdateFunctionFailsAtOnce(TestDatabase db) {
    try (Tandem<Long, Flight> tandem = tandem(db)) {
      tandem.put(1L, new Flight("LH", 0));
      assertTimeoutPreemptively(
          AT_ONCE,
          () ->
              assertThatThrownBy(
                      () ->
                          tandem.update(
                              1L,
                              flight -> {
                                tandem.put(2L, new Flight("AF", 0));
                                return new Flight(flight.origin(), 5);
                              }))
                  .isInstanceOf(IllegalStateException.class));

      assertThat(tandem.get(1L)).map(Flight::delayMinutes).contains(0);
      assertThat(tandem.get(2L)).isEmpty();
    }
  }
}
