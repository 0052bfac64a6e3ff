package dev.tandem.cli.torture;

import dev.tandem.Tandem;
import dev.tandem.testkit.check.CheckResult;
import dev.tandem.testkit.check.KeyResult;
import dev.tandem.testkit.check.Verdict;
import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import dev.tandem.testkit.torture.TortureReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The report of {@code tandem torture}: the summary of a run (operations, outcomes, the longest
 * operations, the final reads, cache statistics, faults) and the explanation of its check.
 */
final class TortureSummary {

  /** How many failed keys get their whole explanation; the others get one line each. */
  private static final int EXPLAINED_KEYS = 3;

  private final TortureCommand.Engine engine;
  private final int clients;
  private final int nodes;
  private final int keys;

  /**
   * Creates the summary of a run of {@code clients} clients on {@code nodes} nodes over {@code
   * keys} keys.
   */
  TortureSummary(TortureCommand.Engine engine, int clients, int nodes, int keys) {
    this.engine = engine;
    this.clients = clients;
    this.nodes = nodes;
    this.keys = keys;
  }

  /**
   * Prints what a run did: its operations by kind and outcome, the longest ones, the final reads,
   * the nodes' cache statistics, the faults injected, and what went wrong besides.
   */
  void summarize(
      PrintWriter out, TortureReport report, List<Tandem<String, Long>> targets, int busy) {
    History h = report.history();
    Map<Action, Integer> byAction = new EnumMap<>(Action.class);
    Map<Outcome, Integer> byOutcome = new EnumMap<>(Outcome.class);
    int pending = 0;
    for (Operation op : h.operations()) {
      byAction.merge(op.action(), 1, Integer::sum);
      byOutcome.merge(op.outcome(), 1, Integer::sum);
      if (op.isPending()) {
        pending++;
      }
    }
    double seconds = report.ran().toNanos() / 1e9;
    out.printf(
        Locale.ROOT,
        "ran %.1f s: %,d operations (%,.0f/s) and %,d invalidations%n",
        seconds,
        h.size(),
        h.size() / seconds,
        report.invalidations());
    StringBuilder mix = new StringBuilder("  ");
    byAction.forEach(
        (action, n) ->
            mix.append(action.wireName())
                .append(' ')
                .append(String.format(Locale.ROOT, "%,d", n))
                .append("  "));
    out.println(mix.toString().stripTrailing());
    out.printf(
        Locale.ROOT,
        "  outcomes: %,d ok, %,d fail (not applied: %,d updates of absent keys, %,d errors),"
            + " %,d info (outcome unknown)%s%n",
        byOutcome.getOrDefault(Outcome.OK, 0),
        byOutcome.getOrDefault(Outcome.FAIL, 0),
        report.absentUpdates(),
        byOutcome.getOrDefault(Outcome.FAIL, 0) - report.absentUpdates(),
        byOutcome.getOrDefault(Outcome.INFO, 0),
        pending > 0 ? String.format(Locale.ROOT, ", %,d pending", pending) : "");
    out.println("  " + longestOperations(h));
    out.println("  " + finalState(h));
    if (engine == TortureCommand.Engine.TANDEM && !targets.isEmpty()) {
      long hits = 0;
      long loads = 0;
      long evictions = 0;
      long retries = 0;
      long unknown = 0;
      long tierFailures = 0;
      for (Tandem<String, Long> target : targets) {
        var stats = target.stats();
        hits += stats.hitCount();
        loads += stats.loadCount();
        evictions += stats.evictionCount();
        retries += stats.retryCount();
        unknown += stats.outcomeUnknownCount();
        tierFailures += stats.tierFailureCount();
      }
      out.printf(
          Locale.ROOT,
          "  cache%s: %,d hits, %,d loads, %,d evictions, %,d tier failures; %,d writes retried,"
              + " %,d with unknown outcome%n",
          targets.size() > 1 ? " (all nodes)" : "",
          hits,
          loads,
          evictions,
          tierFailures,
          retries,
          unknown);
    }
    for (String line : report.faults()) {
      out.println("  fault: " + line);
    }
    if (report.surprises() > 0) {
      out.printf(
          Locale.ROOT,
          "  %,d unexpected exceptions (operations recorded as info; invalidations only counted), for example:%n",
          report.surprises());
      report.surpriseExamples().forEach(e -> out.println("    " + e));
    }
    if (busy != 0) {
      out.println(
          "  quiescence: "
              + (busy < 0 ? "the database did not answer" : busy + " sessions still busy")
              + " after 10 s; the final reads ran anyway");
    }
    if (!report.clientsStopped()) {
      out.println(
          "  clients still running 30 s after the end (their operations count as unknown):");
      out.print(report.stuckClients());
    }
  }

  /**
   * Returns the line of the longest completed client operation of each kind (from its call to its
   * return, as the client saw it) and which operation was the longest of all: what a caller of
   * Tandem waited at worst under the run's faults.
   */
  private String longestOperations(History h) {
    Map<Action, Operation> longest = new EnumMap<>(Action.class);
    for (Operation op : h.operations()) {
      if (op.process() < clients && !op.isPending()) {
        longest.merge(op.action(), op, (a, b) -> took(b) > took(a) ? b : a);
      }
    }
    if (longest.isEmpty()) {
      return "longest operations: none completed";
    }
    StringBuilder line = new StringBuilder("longest operations (call to return):");
    longest.forEach(
        (action, op) ->
            line.append(' ')
                .append(action.wireName())
                .append(' ')
                .append(millis(took(op)))
                .append(','));
    line.setLength(line.length() - 1);
    Operation worst =
        longest.values().stream().max(Comparator.comparingLong(TortureSummary::took)).orElseThrow();
    return line.append("; the longest: ").append(worst.describe()).toString();
  }

  private static long took(Operation op) {
    return op.completeTime() - op.invokeTime();
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%,.1f ms", nanos / 1e6);
  }

  /**
   * Compares, key by key, the final reads through the cache (one per node) with the direct database
   * read that followed them (all made by the extra processes after quiescence).
   */
  private String finalState(History h) {
    Map<String, List<Operation>> cacheReads = new TreeMap<>();
    Map<String, Operation> dbReads = new TreeMap<>();
    for (Operation op : h.operations()) {
      if (op.process() >= clients && op.outcome() == Outcome.OK) {
        if (op.action() == Action.READ) {
          cacheReads.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        } else if (op.action() == Action.DB_READ) {
          dbReads.put(op.key(), op);
        }
      }
    }
    List<String> differ = new ArrayList<>();
    int read = 0;
    for (Map.Entry<String, List<Operation>> e : cacheReads.entrySet()) {
      Operation db = dbReads.get(e.getKey());
      if (e.getValue().size() < nodes || db == null) {
        continue;
      }
      read++;
      for (Operation r : e.getValue()) {
        if (!Objects.equals(r.value(), db.value())) {
          differ.add(
              e.getKey()
                  + " reads "
                  + show(r.value())
                  + (nodes > 1 ? " on node " + (r.process() - clients) : "")
                  + " but the database has "
                  + show(db.value()));
          break;
        }
      }
    }
    String line =
        "final reads: the cache"
            + (nodes > 1 ? " (on every node)" : "")
            + " and the database agree on "
            + (read - differ.size())
            + " of "
            + keys
            + " keys";
    if (read < keys) {
      line +=
          " ("
              + (keys - read)
              + " keys could not be read"
              + (nodes > 1 ? " on every node" : "")
              + ")";
    }
    if (!differ.isEmpty()) {
      line +=
          "; they differ on "
              + differ.size()
              + ": "
              + String.join(", ", differ.subList(0, Math.min(3, differ.size())))
              + (differ.size() > 3 ? ", ..." : "");
    }
    return line;
  }

  private static String show(@Nullable Long value) {
    return value == null ? "absent" : value.toString();
  }

  /** Prints what the linearizability check found, explaining the first failed keys in full. */
  static void explain(PrintWriter out, CheckResult result) {
    out.printf(
        Locale.ROOT,
        "checked %,d keys in %,d ms: %d not linearizable, %d stale reads, %d lost writes,"
            + " %d impossible reads%n",
        result.keys(),
        result.elapsed().toMillis(),
        result.failures().size(),
        result.stale(),
        result.lost(),
        result.impossibleReads());
    result
        .maxStaleness()
        .ifPresent(
            stale ->
                out.printf(
                    Locale.ROOT,
                    "staleness: the stalest read began %.3f ms after"
                        + " the write that replaced its value was acknowledged%n",
                    stale.toNanos() / 1e6));
    List<KeyResult> failures = result.failures();
    for (int i = 0; i < failures.size(); i++) {
      KeyResult r = failures.get(i);
      out.println(r);
      if (i < EXPLAINED_KEYS) {
        r.explanation().lines().forEach(line -> out.println("  " + line));
      }
    }
    if (failures.size() > EXPLAINED_KEYS) {
      out.println(
          "(the first "
              + EXPLAINED_KEYS
              + " failed keys are explained; write --history FILE to see all)");
    }
    long undecided = failures.stream().filter(r -> r.verdict() == Verdict.UNKNOWN).count();
    if (undecided > 0) {
      out.println(
          "the checker ran out of budget on "
              + undecided
              + " keys (no violation found, none ruled out):"
              + " many clients on few keys make long searches; use more --keys, fewer --clients or a shorter --duration");
    }
  }
}
