package dev.tandem.testkit.torture;

import static java.util.Objects.requireNonNull;

import dev.tandem.testkit.history.History;
import java.time.Duration;
import java.util.List;

/**
 * What a torture run did: the recorded history (to be checked), and what the history does not show.
 *
 * @param history every operation of the clients, then the final read and db-read of each key
 * @param ran how long the clients ran
 * @param invalidations cache invalidations performed (not in the history: they change no value)
 * @param absentUpdates updates that found their key absent, recorded as failed cas operations
 * @param surprises exceptions the API does not document, each recorded as {@code info}
 * @param surpriseExamples the first few of them, with the operation that threw
 * @param faults one line per kind of fault injected, from {@link Nemesis#summary()}
 * @param stuckClients a thread dump of the clients still running long after the run ended (a
 *     liveness failure; an operation they have not completed is pending), or empty
 */
public record TortureReport(
    History history,
    Duration ran,
    long invalidations,
    long absentUpdates,
    long surprises,
    List<String> surpriseExamples,
    List<String> faults,
    String stuckClients) {

  /** Creates a report. */
  public TortureReport {
    requireNonNull(history, "history");
    requireNonNull(ran, "ran");
    surpriseExamples = List.copyOf(surpriseExamples);
    faults = List.copyOf(faults);
    requireNonNull(stuckClients, "stuckClients");
  }

  /** Returns true if every client stopped in time. */
  public boolean clientsStopped() {
    return stuckClients.isEmpty();
  }
}
