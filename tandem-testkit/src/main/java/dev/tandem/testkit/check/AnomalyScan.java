package dev.tandem.testkit.check;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The fast first pass over one key: finds the definite anomalies in O(n log n), before and
 * independently of the search.
 *
 * <p>Everything here rests on one sound order: operation A <em>precedes</em> B if A completed
 * {@code ok} strictly before B was invoked ({@code A.completeTime < B.invokeTime}); then every
 * linearization puts A before B. Equal times count as concurrent. Because values are unique per
 * key, only one operation writes a given value; so if the write of {@code v} precedes an
 * acknowledged mutation M that precedes a read R, the register no longer holds {@code v} at any
 * point R may take effect. Operations with an unknown outcome never precede anything (they may take
 * effect at any later time), and failed ones never take effect.
 */
final class AnomalyScan {

  private final List<Operation> ops;
  private final Map<Long, Operation> producers = new HashMap<>();
  private final Latest okMutations; // writes, deletes and cas that completed ok
  private final Latest okSets; // writes and cas that completed ok (they make the key present)
  private final Operation[] deletes; // deletes that did not fail, by invocation time
  private final long[] deleteLatestEnd; // running max of their completion (unknown = +infinity)

  private AnomalyScan(String key, List<Operation> ops) {
    this.ops = ops;
    List<Operation> mutations = new ArrayList<>();
    List<Operation> sets = new ArrayList<>();
    List<Operation> deleteList = new ArrayList<>();
    for (Operation op : ops) {
      if (op.action() == Action.WRITE || op.action() == Action.CAS) {
        Long v = op.value();
        if (v != null) {
          Operation other = producers.get(v);
          if (other == null || other.outcome() == Outcome.FAIL) {
            producers.put(v, op);
          } else if (op.outcome() != Outcome.FAIL) {
            throw new IllegalArgumentException(
                "value "
                    + v
                    + " of key "
                    + key
                    + " is written by both "
                    + other.describe()
                    + " and "
                    + op.describe()
                    + ": values must be unique per key");
          }
        }
      }
      if (op.outcome() == Outcome.OK && !op.action().isRead()) {
        mutations.add(op);
        if (op.action() != Action.DELETE) {
          sets.add(op);
        }
      }
      if (op.action() == Action.DELETE && op.outcome() != Outcome.FAIL) {
        deleteList.add(op);
      }
    }
    okMutations = new Latest(mutations);
    okSets = new Latest(sets);
    deleteList.sort(Comparator.comparingLong(Operation::invokeTime));
    deletes = deleteList.toArray(Operation[]::new);
    deleteLatestEnd = new long[deletes.length];
    long latest = Long.MIN_VALUE;
    for (int i = 0; i < deletes.length; i++) {
      latest = Math.max(latest, effectiveEnd(deletes[i]));
      deleteLatestEnd[i] = latest;
    }
  }

  /**
   * Returns the definite anomalies of one key's operations (all outcomes).
   *
   * @throws IllegalArgumentException if two operations that did not fail write the same value
   */
  static List<Anomaly> scan(String key, List<Operation> ops) {
    return new AnomalyScan(key, ops).run();
  }

  private List<Anomaly> run() {
    List<Anomaly> anomalies = new ArrayList<>();
    for (Operation op : ops) {
      if (op.outcome() != Outcome.OK) {
        continue;
      }
      if (op.action().isRead()) {
        Anomaly a = observe(op, op.value(), "returned");
        if (a != null) {
          anomalies.add(a);
        }
      } else if (op.action() == Action.CAS && op.old() != null) {
        Anomaly a = observe(op, op.old(), "found");
        if (a != null) {
          anomalies.add(a);
        }
      }
    }
    Set<Operation> lost = new LinkedHashSet<>();
    for (Operation op : ops) {
      if (op.outcome() == Outcome.OK && op.action() == Action.DB_READ) {
        findLost(op, lost, anomalies);
      }
    }
    return anomalies;
  }

  private @Nullable Anomaly observe(Operation read, @Nullable Long v, String verb) {
    if (v == null) {
      Operation set = okSets.latestInvokedBefore(read.invokeTime());
      if (set == null || deleteMayFollow(set, read)) {
        return null;
      }
      return new Anomaly(
          Anomaly.Kind.STALE_READ,
          read,
          List.of(set),
          read.describe()
              + " "
              + verb
              + " absent, but "
              + set.describe()
              + " completed before it"
              + " began and no delete could have followed that write");
    }
    Operation producer = producers.get(v);
    if (producer == null) {
      return new Anomaly(
          Anomaly.Kind.IMPOSSIBLE_READ,
          read,
          List.of(),
          read.describe() + " " + verb + " " + v + ", which no operation wrote");
    }
    if (producer.outcome() == Outcome.FAIL) {
      return new Anomaly(
          Anomaly.Kind.IMPOSSIBLE_READ,
          read,
          List.of(producer),
          read.describe()
              + " "
              + verb
              + " "
              + v
              + ", written only by "
              + producer.describe()
              + ", which did not take effect");
    }
    if (producer.invokeTime() > read.completeTime()) {
      return new Anomaly(
          Anomaly.Kind.IMPOSSIBLE_READ,
          read,
          List.of(producer),
          read.describe()
              + " "
              + verb
              + " "
              + v
              + " before its write "
              + producer.describe()
              + " was invoked");
    }
    if (producer.outcome() != Outcome.OK) {
      return null;
    }
    Operation overwrite = okMutations.latestInvokedBefore(read.invokeTime());
    if (overwrite == null || overwrite.invokeTime() <= producer.completeTime()) {
      return null;
    }
    return new Anomaly(
        Anomaly.Kind.STALE_READ,
        read,
        List.of(producer, overwrite),
        read.describe()
            + " "
            + verb
            + " "
            + v
            + " of "
            + producer.describe()
            + ", but "
            + overwrite.describe()
            + " replaced it: it began after that write completed and"
            + " completed before the read began");
  }

  /**
   * Returns true if a delete that did not fail may take effect after {@code set} and before {@code
   * read}.
   */
  private boolean deleteMayFollow(Operation set, Operation read) {
    int i = lastDeleteInvokedBy(read.completeTime());
    return i >= 0 && deleteLatestEnd[i] >= set.invokeTime();
  }

  private int lastDeleteInvokedBy(long time) {
    int lo = 0;
    int hi = deletes.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (deletes[mid].invokeTime() <= time) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private void findLost(Operation dbRead, Set<Operation> lost, List<Anomaly> anomalies) {
    Long v = dbRead.value();
    if (v == null) {
      int i = lastDeleteInvokedBy(dbRead.completeTime());
      long deletesEnd = i >= 0 ? deleteLatestEnd[i] : Long.MIN_VALUE;
      for (Operation w : okSets.ops) {
        if (w.completeTime() < dbRead.invokeTime() && w.invokeTime() > deletesEnd && lost.add(w)) {
          anomalies.add(
              new Anomaly(
                  Anomaly.Kind.LOST_WRITE,
                  w,
                  List.of(dbRead),
                  w.describe()
                      + " was acknowledged, but "
                      + dbRead.describe()
                      + " later found the key absent and no delete could have followed the write"));
        }
      }
      return;
    }
    Operation producer = producers.get(v);
    if (producer == null || producer.outcome() != Outcome.OK) {
      return;
    }
    for (Operation w : okMutations.ops) {
      if (w.invokeTime() > producer.completeTime()
          && w.completeTime() < dbRead.invokeTime()
          && lost.add(w)) {
        anomalies.add(
            new Anomaly(
                Anomaly.Kind.LOST_WRITE,
                w,
                List.of(dbRead, producer),
                w.describe()
                    + " was acknowledged, but "
                    + dbRead.describe()
                    + " later found "
                    + v
                    + " of the older "
                    + producer.describe()));
      }
    }
  }

  private static long effectiveEnd(Operation op) {
    return op.outcome() == Outcome.OK ? op.completeTime() : Long.MAX_VALUE;
  }

  /**
   * Acknowledged operations by completion time, answering "which began last among those done by t".
   */
  private static final class Latest {
    final List<Operation> ops;
    private final long[] completeTimes;
    private final int[] latestInvoked;

    Latest(List<Operation> unsorted) {
      ops = new ArrayList<>(unsorted);
      ops.sort(Comparator.comparingLong(Operation::completeTime));
      completeTimes = new long[ops.size()];
      latestInvoked = new int[ops.size()];
      for (int i = 0; i < ops.size(); i++) {
        completeTimes[i] = ops.get(i).completeTime();
        latestInvoked[i] =
            i > 0 && ops.get(latestInvoked[i - 1]).invokeTime() >= ops.get(i).invokeTime()
                ? latestInvoked[i - 1]
                : i;
      }
    }

    /** Returns the latest-invoked operation that completed strictly before {@code time}, if any. */
    @Nullable Operation latestInvokedBefore(long time) {
      int lo = 0;
      int hi = completeTimes.length - 1;
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (completeTimes[mid] < time) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found < 0 ? null : ops.get(latestInvoked[found]);
    }
  }
}
