package dev.tandem.testkit.race;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Readers of one key that run while a transaction writes it ({@code before} → {@code during}) and
 * its outcome is reported, and record every read that breaks linearizability (race H12): a read
 * that ended before the commit began and saw {@code during}; any read of {@code during} when the
 * transaction rolls back; a read that began after the outcome was reported and saw anything but the
 * outcome's value.
 *
 * <pre>{@code
 * OutcomeReaders<Long> readers = OutcomeReaders.start(pool, List.of(() -> b.get("k")), 1L, 2L, commit);
 * tx.put("k", 2L);
 * readers.committing();   // just before the commit
 * ...commit, report...
 * readers.reported();     // once the outcome was reported
 * assertThat(readers.stopAndCollect(30)).isEmpty();
 * }</pre>
 *
 * @param <V> the value type
 */
public final class OutcomeReaders<V> {

  private static final int WRITING = 0;
  private static final int COMMITTING = 1;
  private static final int REPORTED = 2;

  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger phase = new AtomicInteger(WRITING);
  private final AtomicInteger readsAfter = new AtomicInteger();
  private final List<Future<List<String>>> readers = new ArrayList<>();

  private OutcomeReaders() {}

  /**
   * Starts one reader per element of {@code reads} on {@code pool}, each calling its read in a
   * loop.
   *
   * @param commit whether the transaction will commit (else it rolls back)
   */
  public static <V> OutcomeReaders<V> start(
      ExecutorService pool,
      List<? extends Supplier<Optional<V>>> reads,
      V before,
      V during,
      boolean commit) {
    requireNonNull(before, "before");
    requireNonNull(during, "during");
    OutcomeReaders<V> r = new OutcomeReaders<>();
    V outcome = commit ? during : before;
    for (Supplier<Optional<V>> read : reads) {
      r.readers.add(
          pool.submit(
              () -> {
                List<String> wrong = new ArrayList<>();
                while (!r.stop.get()) {
                  int began = r.phase.get();
                  Optional<V> seen = read.get();
                  int ended = r.phase.get();
                  if (seen.filter(during::equals).isPresent() && (!commit || ended == WRITING)) {
                    wrong.add(
                        "a read in phase "
                            + began
                            + "-"
                            + ended
                            + " saw the uncommitted "
                            + during);
                  }
                  if (began == REPORTED) {
                    if (!seen.filter(outcome::equals).isPresent()) {
                      wrong.add(
                          "a read after the reported outcome saw " + seen + ", not " + outcome);
                    }
                    r.readsAfter.incrementAndGet();
                  }
                }
                return wrong;
              }));
    }
    return r;
  }

  /** Marks that the commit begins: from now on a read may see the new value. */
  public void committing() {
    phase.set(COMMITTING);
  }

  /**
   * Marks that the outcome was reported: every read that begins now must see the outcome's value.
   */
  public void reported() {
    phase.set(REPORTED);
  }

  /**
   * Waits (up to 20 seconds) until the readers made {@code reads} reads after the report, stops
   * them and returns what they recorded, plus a line if they made too few reads.
   */
  public List<String> stopAndCollect(int reads)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (readsAfter.get() < reads && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    stop.set(true);
    List<String> wrong = new ArrayList<>();
    for (Future<List<String>> reader : readers) {
      wrong.addAll(reader.get(10, TimeUnit.SECONDS));
    }
    if (readsAfter.get() < reads) {
      wrong.add("only " + readsAfter.get() + " reads after the report, expected " + reads);
    }
    return wrong;
  }
}
