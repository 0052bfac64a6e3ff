package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.check.CheckResult;
import dev.tandem.testkit.check.LinearizabilityChecker;
import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.HistoryRecorder;
import dev.tandem.testkit.history.Invocation;
import dev.tandem.testkit.torture.Injection;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * How {@code torture --tier redis-available} judges a history against the staleness bound of the
 * AVAILABLE write policy: stale reads within the measured bound are the documented trade (the run
 * passes); beyond it, without cache faults, or with other anomalies, the run fails. Histories are
 * made by hand on a fake clock (milliseconds).
 */
class AvailableTradeTest {

  private static final String PARTITION = "one node partitioned from redis";
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private final AtomicLong now = new AtomicLong();
  private final HistoryRecorder recorder = new HistoryRecorder(now::get);
  private final StringWriter printed = new StringWriter();

  @Test
  void aStaleReadWithinTheLongestOutagePassesAndIsLaidAgainstThePartition() {
    staleRead(100); // node 1 wrote 2 unfenced at 3 ms; node 0 reads the old 1 at 100 ms

    boolean passes =
        judge(
            true,
            Duration.ofMillis(400),
            MINUTE,
            List.of(new Injection(PARTITION, ms(2), ms(300))));

    assertThat(passes).as(printed.toString()).isTrue();
    assertThat(printed.toString())
        .contains(
            "the stalest read began 97.000 ms after the replacing write; bound 650 ms = the longest a node went"
                + " without a connection to Redis, 400 ms (node 1)",
            ": within")
        .contains("after " + PARTITION + ": 1 (stalest 97.000 ms)")
        .contains(
            "verdict: not linearizable, as expected for WritePolicy.AVAILABLE",
            "1 stale reads, none beyond the bound",
            "exit 0");
  }

  /**
   * A read that saw 2 while its write was in flight, then a later read of the replaced 1: not
   * linearizable, but no definite stale read (the write of 2 had not completed), so no staleness to
   * time. It is the trade all the same.
   */
  @Test
  void aStaleReadOverlappingItsReplacingWriteIsTheTradeButUntimed() {
    at(0);
    Invocation first = recorder.invoke(0, Action.WRITE, "k", 1L);
    at(1);
    first.ok();
    at(2);
    Invocation second = recorder.invoke(1, Action.WRITE, "k", 2L);
    at(3);
    Invocation sawNew = recorder.invoke(2, Action.READ, "k", null);
    at(4);
    sawNew.ok(2L);
    at(5);
    Invocation sawOld = recorder.invoke(3, Action.READ, "k", null);
    at(6);
    sawOld.ok(1L);
    at(10);
    second.ok();

    assertThat(judge(true, Duration.ofMillis(400), MINUTE, List.of()))
        .as(printed.toString())
        .isTrue();
    assertThat(printed.toString())
        .contains(
            "no definite stale read to time; bound 650 ms",
            "0 stale reads, none beyond the bound (and 1 keys with a stale read the checker cannot time");
  }

  @Test
  void aStaleReadBeyondTheBoundFailsTheRun() {
    staleRead(503); // 500 ms stale, after an outage of 100 ms: bound 350 ms

    assertThat(judge(true, Duration.ofMillis(100), MINUTE, List.of())).isFalse();
    assertThat(printed.toString())
        .contains(
            "bound 350 ms",
            ": EXCEEDED",
            "before any fault: 1",
            "beyond AVAILABLE's trade (the stalest read exceeds the bound): the run fails");
  }

  @Test
  void theTimeToLiveCapsTheBound() {
    staleRead(503);

    assertThat(judge(true, Duration.ofSeconds(2), Duration.ofMillis(50), List.of())).isFalse();
    assertThat(printed.toString())
        .contains("bound 300 ms", "capped by the entries' time to live, 50 ms", "EXCEEDED");
  }

  @Test
  void withoutCacheFaultsNoStaleReadIsExpected() {
    staleRead(100);

    assertThat(judge(false, Duration.ofMillis(400), MINUTE, List.of())).isFalse();
    assertThat(printed.toString())
        .contains("(no cache fault was injected, so no read may be stale): the run fails");
  }

  @Test
  void aLostWriteIsNeverTheTrade() {
    staleRead(100);
    at(200);
    Invocation db = recorder.invoke(9, Action.DB_READ, "k", null);
    at(201);
    db.ok(1L); // the database lost the acknowledged write of 2

    assertThat(judge(true, Duration.ofMillis(400), MINUTE, List.of())).isFalse();
    assertThat(printed.toString()).contains("(1 lost writes): the run fails");
  }

  @Test
  void aLinearizableRunSaysSoAndTheBound() {
    at(0);
    Invocation w = recorder.invoke(0, Action.WRITE, "k", 1L);
    at(1);
    w.ok();

    assertThat(judge(true, Duration.ofMillis(400), MINUTE, List.of())).isFalse();
    assertThat(printed.toString())
        .startsWith(
            "staleness (WritePolicy.AVAILABLE's documented trade): no stale read"
                + " this run; bound 650 ms");
  }

  /** Writes 1 then 2 (acknowledged at 3 ms), then reads 1 at {@code readAt} ms. */
  private void staleRead(long readAt) {
    at(0);
    Invocation first = recorder.invoke(0, Action.WRITE, "k", 1L);
    at(1);
    first.ok();
    at(2);
    Invocation second = recorder.invoke(1, Action.WRITE, "k", 2L);
    at(3);
    second.ok();
    at(readAt);
    Invocation read = recorder.invoke(0, Action.READ, "k", null);
    at(readAt + 1);
    read.ok(1L);
  }

  private boolean judge(
      boolean cacheFaults, Duration longestGap, Duration timeToLive, List<Injection> injections) {
    CheckResult result = LinearizabilityChecker.builder().build().check(recorder.history());
    try (PrintWriter out = new PrintWriter(printed)) {
      return AvailableTrade.judge(out, result, cacheFaults, longestGap, 1, timeToLive, injections);
    }
  }

  private void at(long millis) {
    now.set(ms(millis));
  }

  private static long ms(long millis) {
    return millis * 1_000_000;
  }
}
