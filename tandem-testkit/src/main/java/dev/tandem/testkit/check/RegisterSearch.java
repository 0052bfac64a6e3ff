package dev.tandem.testkit.check;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The Wing–Gong–Lowe search for a linearization of one key's register history, with memoisation of
 * configurations (the operations linearized so far, the register state), as in Lowe's "Testing for
 * linearizability" and Porcupine.
 *
 * <p>Invocations and completions form one doubly linked list in time order (an invocation before a
 * completion of equal time, so that equal times count as concurrent). The search walks the list,
 * tentatively linearizing each invoked operation whose effect the register allows; it backtracks
 * when it meets the completion of an operation not yet linearized.
 *
 * <p>The model is a register that holds a value or is absent (the initial state): a write sets its
 * value, a delete makes it absent, a read or db-read must return what it holds, and a cas {@code
 * [old, new]} requires {@code old} (any present value if {@code old} is unknown) and sets {@code
 * new}. Failed operations and reads of unknown outcome are dropped. Operations of unknown outcome
 * have no completion in the list: the search may linearize them anywhere after their invocation or
 * never, and succeeds once every {@code ok} operation is linearized.
 *
 * <p>Operations of unknown outcome would otherwise multiply the configurations (each one applied or
 * not, for the rest of the history). These measures keep them in check; none loses a linearization:
 *
 * <ul>
 *   <li>Values nobody observed (no read returned them, no cas expected them) are one state,
 *       "present, unread": no operation can tell them apart.
 *   <li>An unknown cas that sets an unread value is dropped: the present value it replaces allows
 *       everything its own value allows. So is an unknown write of an unread value, unless a kept
 *       cas of unknown old value needs the key merely present.
 *   <li>Unknown deletes are interchangeable, and so are the unknown writes of unread values: each
 *       class is a pool from which the search takes uses, counting them. As a member may take
 *       effect at any time after its invocation, the k-th use is possible exactly when k members
 *       were invoked before the first pending completion (Hall's condition for nested intervals).
 *   <li>Subsumption: of two configurations with the same acknowledged operations linearized and the
 *       same state, one that applied a subset of the other unknown operations and no more uses of
 *       each pool can do everything the other can. A configuration subsumed by one already visited
 *       is not explored.
 *   <li>Unknown operations are tried only after every acknowledged candidate, so that subsuming
 *       configurations tend to be visited first.
 * </ul>
 */
final class RegisterSearch {

  private static final int READ = 0;
  private static final int WRITE = 1;
  private static final int DELETE = 2;
  private static final int CAS = 3;
  private static final int ANY_PRESENT = -1;
  private static final int ABSENT = 0;
  private static final int UNREAD = 1; // a present value nobody observed
  private static final int POOL_DELETES = 0;
  private static final int POOL_UNREAD_WRITES = 1;
  private static final int POOLS = 2;
  private static final int STATES_REPORTED = 8;
  private static final int RECENT_REPORTED = 3;

  /** What a search found. */
  record Result(
      Verdict verdict, long steps, @Nullable Counterexample counterexample, int checkedOps) {}

  private final String key;
  private final Operation[] ops; // the operations searched, by invocation time
  private final int n;
  private final int[] kind;
  private final int[] expect; // read: state it returns; cas: state it requires
  private final int[] effect; // write and cas: state they set
  private final boolean[] unknown;
  private final int[] bit; // index among the acknowledged operations, or among the unknown ones
  private final int okCount;
  private final int unknownCount;
  private final long[] valueOfState; // state s > UNREAD holds valueOfState[s]
  private final long[][] poolInvokes = new long[POOLS][]; // invocation times of each pool, sorted

  // the list of entries: entry 2i is op i's invocation, 2i+1 its completion; head and tail
  // sentinels
  private final int head;
  private final int tail;
  private final int[] next;
  private final int[] prev;

  private RegisterSearch(String key, List<Operation> keyOps) {
    this.key = key;
    Set<Long> observed = observedValues(keyOps);
    List<Operation> kept = new ArrayList<>();
    List<List<Long>> pools = List.of(new ArrayList<>(), new ArrayList<>());
    for (Operation op : relevant(keyOps, observed)) {
      if (op.outcome() == Outcome.INFO && op.action() == Action.DELETE) {
        pools.get(POOL_DELETES).add(op.invokeTime());
      } else if (op.outcome() == Outcome.INFO
          && op.action() == Action.WRITE
          && !observed.contains(op.value())) {
        pools.get(POOL_UNREAD_WRITES).add(op.invokeTime());
      } else {
        kept.add(op);
      }
    }
    for (int p = 0; p < POOLS; p++) {
      poolInvokes[p] = pools.get(p).stream().mapToLong(Long::longValue).sorted().toArray();
    }
    ops = kept.toArray(Operation[]::new);
    n = ops.length;
    kind = new int[n];
    expect = new int[n];
    effect = new int[n];
    unknown = new boolean[n];
    bit = new int[n];
    Map<Long, Integer> stateOfValue = new HashMap<>();
    List<Long> values = new ArrayList<>(List.of(0L, 0L)); // ABSENT and UNREAD hold no value
    int oks = 0;
    int unknowns = 0;
    for (int i = 0; i < n; i++) {
      Operation op = ops[i];
      unknown[i] = op.outcome() == Outcome.INFO;
      bit[i] = unknown[i] ? unknowns++ : oks++;
      switch (op.action()) {
        case READ, DB_READ -> {
          kind[i] = READ;
          expect[i] = state(op.value(), observed, stateOfValue, values);
        }
        case WRITE -> {
          kind[i] = WRITE;
          effect[i] = state(op.value(), observed, stateOfValue, values);
        }
        case DELETE -> kind[i] = DELETE;
        case CAS -> {
          kind[i] = CAS;
          expect[i] =
              op.old() == null ? ANY_PRESENT : state(op.old(), observed, stateOfValue, values);
          effect[i] = state(op.value(), observed, stateOfValue, values);
        }
      }
    }
    okCount = oks;
    unknownCount = unknowns;
    valueOfState = values.stream().mapToLong(Long::longValue).toArray();

    head = 2 * n;
    tail = 2 * n + 1;
    next = new int[2 * n + 2];
    prev = new int[2 * n + 2];
    Integer[] entries = new Integer[2 * n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      entries[count++] = 2 * i;
      if (!unknown[i]) {
        entries[count++] = 2 * i + 1;
      }
    }
    Arrays.sort(
        entries,
        0,
        count,
        (a, b) -> {
          int c = Long.compare(time(a), time(b));
          if (c != 0) {
            return c;
          }
          c = Integer.compare(a & 1, b & 1); // invocations first: equal times are concurrent
          return c != 0 ? c : Integer.compare(a, b);
        });
    int last = head;
    for (int i = 0; i < count; i++) {
      next[last] = entries[i];
      prev[entries[i]] = last;
      last = entries[i];
    }
    next[last] = tail;
    prev[tail] = last;
  }

  /** Returns the values some read returned or some cas expected. */
  private static Set<Long> observedValues(List<Operation> keyOps) {
    Set<Long> observed = new HashSet<>();
    for (Operation op : keyOps) {
      if (op.outcome() == Outcome.OK && op.action().isRead() && op.value() != null) {
        observed.add(op.value());
      } else if (op.outcome() != Outcome.FAIL && op.action() == Action.CAS && op.old() != null) {
        observed.add(op.old());
      }
    }
    return observed;
  }

  /** Returns the operations that can matter, by invocation time (see the class comment). */
  private static List<Operation> relevant(List<Operation> keyOps, Set<Long> observed) {
    boolean presenceMatters = false;
    for (Operation op : keyOps) {
      if (op.action() == Action.CAS
          && op.old() == null
          && op.outcome() != Outcome.FAIL
          && (op.outcome() == Outcome.OK || observed.contains(op.value()))) {
        presenceMatters = true;
      }
    }
    List<Operation> kept = new ArrayList<>();
    for (Operation op : keyOps) {
      if (op.outcome() == Outcome.FAIL || (op.outcome() == Outcome.INFO && op.action().isRead())) {
        continue;
      }
      if (op.outcome() == Outcome.INFO
          && !observed.contains(op.value())
          && (op.action() == Action.CAS || (op.action() == Action.WRITE && !presenceMatters))) {
        continue;
      }
      kept.add(op);
    }
    kept.sort(
        (a, b) ->
            a.invokeTime() != b.invokeTime()
                ? Long.compare(a.invokeTime(), b.invokeTime())
                : Integer.compare(a.index(), b.index()));
    return kept;
  }

  private static int state(
      @Nullable Long value,
      Set<Long> observed,
      Map<Long, Integer> stateOfValue,
      List<Long> values) {
    if (value == null) {
      return ABSENT;
    }
    if (!observed.contains(value)) {
      return UNREAD;
    }
    Integer s = stateOfValue.get(value);
    if (s == null) {
      s = values.size();
      values.add(value);
      stateOfValue.put(value, s);
    }
    return s;
  }

  /** Returns how many members of {@code pool} were invoked at or before {@code time}. */
  private int invokedBy(int pool, long time) {
    long[] times = poolInvokes[pool];
    int lo = 0;
    int hi = times.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (times[mid] <= time) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private String stateName(int s) {
    return s == ABSENT
        ? "absent"
        : s == UNREAD ? "a value never read" : Long.toString(valueOfState[s]);
  }

  private long time(int entry) {
    Operation op = ops[entry >>> 1];
    return (entry & 1) == 0 ? op.invokeTime() : op.completeTime();
  }

  /**
   * Searches one key's operations (all outcomes) for a linearization, giving up after {@code
   * maxSteps} steps or at {@code deadline} ({@link System#nanoTime()}).
   */
  static Result search(String key, List<Operation> keyOps, long maxSteps, long deadline) {
    return new RegisterSearch(key, keyOps).run(maxSteps, deadline);
  }

  /** Returns the state after op {@code i} takes effect in {@code state}, or -1 if it cannot. */
  private int step(int state, int i) {
    return switch (kind[i]) {
      case READ -> expect[i] == state ? state : -1;
      case WRITE -> effect[i];
      case DELETE -> 0;
      default -> (expect[i] == ANY_PRESENT ? state != 0 : expect[i] == state) ? effect[i] : -1;
    };
  }

  private void lift(int i) {
    int call = 2 * i;
    next[prev[call]] = next[call];
    prev[next[call]] = prev[call];
    if (!unknown[i]) {
      int ret = call + 1;
      next[prev[ret]] = next[ret];
      prev[next[ret]] = prev[ret];
    }
  }

  private void unlift(int i) {
    int call = 2 * i;
    if (!unknown[i]) {
      int ret = call + 1;
      next[prev[ret]] = ret;
      prev[next[ret]] = ret;
    }
    next[prev[call]] = call;
    prev[next[call]] = call;
  }

  private Result run(long maxSteps, long deadline) {
    Bits acknowledged = new Bits(okCount); // acknowledged operations linearized
    int unknownWords = (unknownCount + 63) >>> 6;
    // unknown operations linearized, then the uses of each pool
    long[] applied = new long[unknownWords + POOLS];
    long[] linearized = new long[(n + 63) >>> 6]; // all list operations, for the counterexample
    Memo memo = new Memo(unknownWords);
    int[] stackOp =
        new int[n + poolInvokes[0].length + poolInvokes[1].length]; // -1 - pool for a use
    int[] stackState = new int[stackOp.length];
    int sp = 0;
    int remaining = okCount;
    int state = ABSENT;
    // at each configuration: acknowledged candidates, then unknown ones, then the pools
    int pass = 0;
    int nextPool = 0;
    int entry = next[head];
    long steps = 0;

    int bestDepth = -1;
    int bestOp = -1;
    long[] bestLinearized = linearized;
    int[] bestRecent = new int[0];
    Set<Integer> bestStates = new HashSet<>();
    memo.add(state, acknowledged, applied);

    while (remaining > 0) {
      if (++steps > maxSteps || ((steps & 0xFFF) == 0 && System.nanoTime() - deadline > 0)) {
        return new Result(Verdict.UNKNOWN, steps - 1, null, n);
      }
      if (entry != tail && (entry & 1) == 0) {
        int i = entry >>> 1;
        int after = unknown[i] == (pass == 1) ? step(state, i) : -1;
        if (after >= 0) {
          if (unknown[i]) {
            applied[bit[i] >>> 6] |= 1L << bit[i];
          } else {
            acknowledged.set(bit[i]);
          }
          if (memo.add(after, acknowledged, applied)) {
            linearized[i >>> 6] |= 1L << i;
            stackOp[sp] = i;
            stackState[sp] = state;
            sp++;
            state = after;
            lift(i);
            if (!unknown[i]) {
              remaining--;
            }
            pass = 0;
            entry = next[head];
            continue;
          }
          if (unknown[i]) {
            applied[bit[i] >>> 6] &= ~(1L << bit[i]);
          } else {
            acknowledged.clear(bit[i]);
          }
        }
        entry = next[entry];
        continue;
      }
      // the first completion whose operation is not linearized: every list candidate was tried
      if (pass < 2) {
        pass++;
        nextPool = 0;
        if (pass == 1) {
          entry = next[head];
          continue;
        }
      }
      boolean used = false;
      while (nextPool < POOLS && !used) {
        int pool = nextPool++;
        int after = pool == POOL_DELETES ? ABSENT : UNREAD;
        int uses = (int) applied[unknownWords + pool];
        if (uses < invokedBy(pool, time(entry))) {
          applied[unknownWords + pool]++;
          if (memo.add(after, acknowledged, applied)) {
            stackOp[sp] = -1 - pool;
            stackState[sp] = state;
            sp++;
            state = after;
            used = true;
          } else {
            applied[unknownWords + pool]--;
          }
        }
      }
      if (used) {
        pass = 0;
        entry = next[head];
        continue;
      }
      int depth = okCount - remaining;
      int blocked = entry >>> 1;
      if (depth > bestDepth) {
        bestDepth = depth;
        bestOp = blocked;
        bestLinearized = linearized.clone();
        bestRecent = recent(stackOp, sp);
        bestStates.clear();
        bestStates.add(state);
      } else if (depth == bestDepth && blocked == bestOp && bestStates.size() < STATES_REPORTED) {
        bestStates.add(state);
      }
      if (sp == 0) {
        return new Result(
            Verdict.NOT_LINEARIZABLE,
            steps,
            counterexample(bestOp, bestDepth, bestLinearized, bestRecent, bestStates),
            n);
      }
      int i = stackOp[--sp];
      state = stackState[sp];
      if (i < 0) {
        int pool = -1 - i;
        applied[unknownWords + pool]--;
        pass = 2;
        nextPool = pool + 1;
        entry = next[head];
        while ((entry & 1) == 0) { // back to the first completion, where the pool was used
          entry = next[entry];
        }
        continue;
      }
      linearized[i >>> 6] &= ~(1L << i);
      if (unknown[i]) {
        applied[bit[i] >>> 6] &= ~(1L << bit[i]);
      } else {
        acknowledged.clear(bit[i]);
        remaining++;
      }
      unlift(i);
      pass = unknown[i] ? 1 : 0;
      entry = next[2 * i];
    }
    return new Result(Verdict.LINEARIZABLE, steps, null, n);
  }

  /** Returns the last few list operations linearized, oldest first. */
  private static int[] recent(int[] stackOp, int sp) {
    int[] recent = new int[RECENT_REPORTED];
    int count = 0;
    for (int j = sp - 1; j >= 0 && count < RECENT_REPORTED; j--) {
      if (stackOp[j] >= 0) {
        recent[RECENT_REPORTED - 1 - count++] = stackOp[j];
      }
    }
    return Arrays.copyOfRange(recent, RECENT_REPORTED - count, RECENT_REPORTED);
  }

  private @Nullable Counterexample counterexample(
      int blocked, int depth, long[] linearizedWords, int[] recent, Set<Integer> states) {
    if (blocked < 0) {
      return null;
    }
    Operation blockedOp = ops[blocked];
    List<Operation> window = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean done = (linearizedWords[i >>> 6] & (1L << i)) != 0;
      if (!done && ops[i].invokeTime() <= blockedOp.completeTime()) {
        window.add(ops[i]);
      }
    }
    List<Operation> recentOps = new ArrayList<>();
    for (int i : recent) {
      recentOps.add(ops[i]);
    }
    List<String> stateNames = new ArrayList<>();
    states.stream().sorted().forEach(s -> stateNames.add(stateName(s)));
    StringBuilder summary =
        new StringBuilder("no linearization lets ")
            .append(blockedOp.describe())
            .append(" take effect before it completed; after ")
            .append(depth)
            .append(" of ")
            .append(okCount)
            .append(" acknowledged operations the register held ")
            .append(stateNames.size() == 1 ? stateNames.get(0) : "one of " + stateNames);
    int deletes = invokedBy(POOL_DELETES, blockedOp.completeTime());
    int writes = invokedBy(POOL_UNREAD_WRITES, blockedOp.completeTime());
    if (deletes + writes > 0) {
      summary
          .append(" (also tried: ")
          .append(deletes)
          .append(" deletes and ")
          .append(writes)
          .append(" writes of values never read, of unknown outcome, invoked by then)");
    }
    return new Counterexample(key, blockedOp, window, recentOps, summary.toString());
  }

  /**
   * The acknowledged operations linearized, as a bit set that names itself canonically by the words
   * between the first that is not full and the last that is not empty: the search linearizes them
   * roughly in order, so that slice stays short.
   */
  private static final class Bits {
    final long[] words;
    int low; // every word below is full
    int high; // every word from here on is empty

    Bits(int size) {
      words = new long[(size + 63) >>> 6];
    }

    void set(int i) {
      int w = i >>> 6;
      words[w] |= 1L << i;
      if (w >= high) {
        high = w + 1;
      }
    }

    void clear(int i) {
      int w = i >>> 6;
      words[w] &= ~(1L << i);
      if (w < low) {
        low = w;
      }
    }

    void normalize() {
      while (low < words.length && words[low] == -1L) {
        low++;
      }
      if (high < low) {
        high = low;
      }
      while (high > low && words[high - 1] == 0) {
        high--;
      }
    }
  }

  /**
   * The configurations visited: open addressing over (state, acknowledged set), compared exactly,
   * each with the sets of unknown operations it was visited with.
   */
  private static final class Memo {
    private long[][] keys = new long[1 << 12][];
    private int[] hashes = new int[1 << 12];
    private Object[] appliedSets = new Object[1 << 12]; // long[] or List<long[]>
    private final int bitWords; // applied sets: this many words of bits, then counts
    private int size;

    Memo(int bitWords) {
      this.bitWords = bitWords;
    }

    /**
     * Records the configuration; returns false if it is subsumed by one already visited: same state
     * and acknowledged set, with a subset of the unknown operations applied and no more uses of
     * each pool.
     */
    boolean add(int state, Bits set, long[] applied) {
      set.normalize();
      int from = set.low;
      int to = set.high;
      long h = state * 0x9E3779B97F4A7C15L + from;
      for (int w = from; w < to; w++) {
        h = (h ^ set.words[w]) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
      }
      int hash = (int) (h ^ (h >>> 32));
      int mask = keys.length - 1;
      for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
        long[] k = keys[slot];
        if (k == null) {
          long[] stored = new long[to - from + 1];
          stored[0] = ((long) state << 32) | from;
          System.arraycopy(set.words, from, stored, 1, to - from);
          keys[slot] = stored;
          hashes[slot] = hash;
          appliedSets[slot] = applied.clone();
          if (++size * 2 > keys.length) {
            grow();
          }
          return true;
        }
        if (hashes[slot] == hash && matches(k, state, from, to, set.words)) {
          return addApplied(slot, applied);
        }
      }
    }

    @SuppressWarnings("unchecked")
    private boolean addApplied(int slot, long[] applied) {
      Object visited = appliedSets[slot];
      if (visited instanceof long[] single) {
        if (subset(single, applied)) {
          return false;
        }
        List<long[]> list = new ArrayList<>();
        list.add(single);
        list.add(applied.clone());
        appliedSets[slot] = list;
        return true;
      }
      List<long[]> list = (List<long[]>) visited;
      for (long[] other : list) {
        if (subset(other, applied)) {
          return false;
        }
      }
      list.add(applied.clone());
      return true;
    }

    /** Returns true if {@code a} applied a subset of what {@code b} applied. */
    private boolean subset(long[] a, long[] b) {
      for (int w = 0; w < bitWords; w++) {
        if ((a[w] & ~b[w]) != 0) {
          return false;
        }
      }
      for (int w = bitWords; w < a.length; w++) {
        if (a[w] > b[w]) {
          return false;
        }
      }
      return true;
    }

    private static boolean matches(long[] k, int state, int from, int to, long[] words) {
      if (k.length != to - from + 1 || k[0] != (((long) state << 32) | from)) {
        return false;
      }
      for (int w = from; w < to; w++) {
        if (k[w - from + 1] != words[w]) {
          return false;
        }
      }
      return true;
    }

    private void grow() {
      long[][] oldKeys = keys;
      int[] oldHashes = hashes;
      Object[] oldApplied = appliedSets;
      keys = new long[oldKeys.length * 2][];
      hashes = new int[oldKeys.length * 2];
      appliedSets = new Object[oldKeys.length * 2];
      int mask = keys.length - 1;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldKeys[i] != null) {
          int slot = oldHashes[i] & mask;
          while (keys[slot] != null) {
            slot = (slot + 1) & mask;
          }
          keys[slot] = oldKeys[i];
          hashes[slot] = oldHashes[i];
          appliedSets[slot] = oldApplied[i];
        }
      }
    }
  }
}
