package dev.tandem.cli.torture;

import dev.tandem.testkit.check.Anomaly;
import dev.tandem.testkit.check.CheckResult;
import dev.tandem.testkit.check.Verdict;
import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.torture.Injection;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The verdict of a {@code --tier redis-available} torture run: whether a history that is not
 * linearizable shows only the trade {@link dev.tandem.redis.WritePolicy#AVAILABLE} documents.
 */
final class AvailableTrade {

  private AvailableTrade() {}

  /**
   * Measures a {@code redis-available} run against the staleness bound of {@link
   * dev.tandem.redis.WritePolicy#AVAILABLE} (README, "When Redis is down or slow"): a node that
   * cannot fence a key writes it anyway and repairs it when it reaches Redis again, so another node
   * may read the replaced value from the write's acknowledgement until that repair, or until the
   * entry's time to live runs out. The bound is measured, not assumed: the longest time a node went
   * without a connection to Redis (seen at its proxy: the cut, the reconnection after the heal),
   * capped by the time to live, plus one command timeout for the Redis calls that close the window
   * (the repair on the new connection). Prints the stalest read against it and what the verdict
   * means.
   *
   * @return true if the history is not linearizable only in the way the policy documents: cache
   *     faults were injected, its anomalies are stale reads (no lost write, no impossible read, no
   *     undecided key; a key that failed without a definite anomaly counts only if its blocked
   *     operation is a read or a cas, whose value overlapped the write that replaced it), and the
   *     stalest definite one is within the bound
   */
  static boolean judge(
      PrintWriter out,
      CheckResult result,
      boolean cacheFaults,
      Duration longestGap,
      int gapNode,
      Duration entryTimeToLive,
      List<Injection> injections) {
    boolean capped = entryTimeToLive.compareTo(longestGap) < 0;
    Duration window = capped ? entryTimeToLive : longestGap;
    Duration bound = window.plus(TortureTiers.REDIS_COMMAND_TIMEOUT);
    String boundText =
        String.format(
            Locale.ROOT,
            "bound %,d ms = the longest a node went without a connection to"
                + " Redis, %,d ms%s (measured at its proxy: from the cut to its reconnection after the heal)%s, + one command"
                + " timeout, %d ms, for the Redis calls that end it (the repair on the new connection)",
            bound.toMillis(),
            longestGap.toMillis(),
            gapNode >= 0 ? " (node " + gapNode + ")" : "",
            capped
                ? ", capped by the entries' time to live, " + entryTimeToLive.toMillis() + " ms"
                : "",
            TortureTiers.REDIS_COMMAND_TIMEOUT.toMillis());
    if (result.linearizable()) {
      out.println(
          "staleness (WritePolicy.AVAILABLE's documented trade): no stale read this run; "
              + boundText);
      return false;
    }
    Duration seen = result.maxStaleness().orElse(Duration.ZERO);
    boolean within = seen.compareTo(bound) <= 0;
    if (result.maxStaleness().isPresent()) {
      out.printf(
          Locale.ROOT,
          "staleness (WritePolicy.AVAILABLE's documented trade): the stalest read began %.3f ms"
              + " after the replacing write; %s: %s%n",
          seen.toNanos() / 1e6,
          boundText,
          within ? "within" : "EXCEEDED");
    } else {
      out.println(
          "staleness (WritePolicy.AVAILABLE's documented trade): no definite stale read to time; "
              + boundText);
    }
    Map<String, long[]> byFault = new TreeMap<>(); // fault -> {stale reads, stalest nanos}
    for (Anomaly a : result.anomalies()) {
      if (a.kind() == Anomaly.Kind.STALE_READ && !a.evidence().isEmpty()) {
        long acknowledged = a.evidence().getLast().completeTime();
        String fault = "before any fault";
        for (Injection i : injections) {
          if (i.injectedAt() <= acknowledged) {
            fault = "after " + i.fault();
          }
        }
        long[] tally = byFault.computeIfAbsent(fault, f -> new long[2]);
        tally[0]++;
        tally[1] = Math.max(tally[1], a.operation().invokeTime() - acknowledged);
      }
    }
    if (!byFault.isEmpty()) {
      out.println(
          "stale reads by the last fault injected before the replacing write was acknowledged:");
    }
    byFault.forEach(
        (fault, tally) ->
            out.printf(
                Locale.ROOT, "  %s: %,d (stalest %.3f ms)%n", fault, tally[0], tally[1] / 1e6));
    long undecided =
        result.failures().stream().filter(r -> r.verdict() != Verdict.NOT_LINEARIZABLE).count();
    // keys that failed with no definite anomaly: the search found a read (or a cas's old value)
    // with no legal
    // point, because it overlaps the write that replaced its value; its staleness has no sound
    // measure
    long untimed =
        result.failures().stream()
            .filter(
                r ->
                    r.verdict() == Verdict.NOT_LINEARIZABLE
                        && r.anomalies().isEmpty()
                        && r.counterexample()
                            .map(c -> c.blocked().action())
                            .filter(a -> a == Action.READ || a == Action.CAS)
                            .isPresent())
            .count();
    long other =
        result.failures().stream()
                .filter(r -> r.verdict() == Verdict.NOT_LINEARIZABLE && r.stale() == 0)
                .count()
            - untimed;
    String beyond =
        !cacheFaults
            ? "no cache fault was injected, so no read may be stale"
            : result.lost() > 0
                ? result.lost() + " lost writes"
                : result.impossibleReads() > 0
                    ? result.impossibleReads() + " impossible reads"
                    : undecided > 0
                        ? "the checker could not decide " + undecided + " keys"
                        : other > 0
                            ? other + " keys failed without a stale read"
                            : !within ? "the stalest read exceeds the bound" : "";
    if (!beyond.isEmpty()) {
      out.println(
          "verdict: not linearizable beyond AVAILABLE's trade (" + beyond + "): the run fails");
      return false;
    }
    out.printf(
        Locale.ROOT,
        "verdict: not linearizable, as expected for WritePolicy.AVAILABLE when a node loses Redis"
            + " while others keep it: %d stale reads, none beyond the bound%s, no lost write, no impossible read;"
            + " the run passes (exit 0)%n",
        result.stale(),
        untimed == 0
            ? ""
            : String.format(
                Locale.ROOT,
                " (and %d keys"
                    + " with a stale read the checker cannot time: it overlaps the write that replaced its value)",
                untimed));
    return true;
  }
}
