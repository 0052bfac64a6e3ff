package dev.tandem.testkit.torture;

import dev.tandem.CacheTierUnavailableException;
import dev.tandem.Columns;
import dev.tandem.CommitOutcomeUnknownException;
import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.HistoryRecorder;
import dev.tandem.testkit.history.Invocation;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One client of a torture run: a seeded loop of operations on random keys, each recorded as an
 * invocation just before the call and a completion just after it.
 *
 * <p>The mix: reads, writes, updates ({@code update(key, fn)}, which takes the conditional path on
 * a cached key), field updates ({@code update(key, Columns)}, when the store offers exactly one
 * value column), deletes and invalidations.
 *
 * <p>Outcomes follow the API's contract: a {@link StoreException}, {@link
 * CacheTierUnavailableException} (the write was refused before the database) or {@link
 * IllegalArgumentException} means the operation did not take effect ({@code fail}), a {@link
 * CommitOutcomeUnknownException} that it may have ({@code info}); any other exception is a
 * surprise, recorded as {@code info} (nothing is known) and counted.
 */
final class TortureClient implements Runnable {

  /** The operation mix, in percent: the cumulative bounds of each kind. */
  static final int READ = 45;

  static final int WRITE = READ + 22;
  static final int UPDATE = WRITE + 12;

  /** Of the updates, those below this bound are field updates when the store offers one column. */
  static final int FIELD_UPDATE = WRITE + 5;

  static final int DELETE = UPDATE + 9;
  // the rest, 12%: invalidations

  private final int process;
  private final Tandem<String, Long> target;
  private final HistoryRecorder recorder;
  private final SplittableRandom random;
  private final int keys;
  private final LongSupplier values;
  private final AtomicBoolean stop;
  private final LongAdder invalidations;
  private final LongAdder absentUpdates;
  private final Surprises surprises;

  /** The value column a field update sets, or null if the store offers none. */
  private final @Nullable String column;

  TortureClient(
      int process,
      Tandem<String, Long> target,
      HistoryRecorder recorder,
      SplittableRandom random,
      int keys,
      LongSupplier values,
      AtomicBoolean stop,
      LongAdder invalidations,
      LongAdder absentUpdates,
      Surprises surprises,
      @Nullable String column) {
    this.column = column;
    this.process = process;
    this.target = target;
    this.recorder = recorder;
    this.random = random;
    this.keys = keys;
    this.values = values;
    this.stop = stop;
    this.invalidations = invalidations;
    this.absentUpdates = absentUpdates;
    this.surprises = surprises;
  }

  @Override
  public void run() {
    while (!stop.get()) {
      String key = "k" + random.nextInt(keys);
      int dice = random.nextInt(100);
      if (dice < READ) {
        read(key);
      } else if (dice < WRITE) {
        write(key);
      } else if (dice < FIELD_UPDATE && column != null) {
        fieldUpdate(key, column);
      } else if (dice < UPDATE) {
        update(key);
      } else if (dice < DELETE) {
        delete(key);
      } else {
        invalidate(key);
      }
    }
  }

  /**
   * An invalidation changes no value, so it is only counted; the API documents no failure of it.
   */
  private void invalidate(String key) {
    try {
      target.invalidate(key);
      invalidations.increment();
    } catch (RuntimeException e) {
      surprises.record("p" + process + " invalidate " + key, e);
    }
  }

  private void read(String key) {
    Invocation op = recorder.invoke(process, Action.READ, key, null);
    Optional<Long> value;
    try {
      value = target.get(key);
    } catch (RuntimeException e) {
      failed(op, e);
      return;
    }
    op.ok(value.orElse(null));
  }

  private void write(String key) {
    long value = values.getAsLong();
    Invocation op = recorder.invoke(process, Action.WRITE, key, value);
    try {
      target.put(key, value);
    } catch (RuntimeException e) {
      failed(op, e);
      return;
    }
    op.ok();
  }

  /**
   * An update is a compare-and-set from the value its function was given to a new unique value,
   * chosen before the call (the function may run more than once when a batch is retried: only its
   * last run can have committed, and it returns the same value every time).
   */
  private void update(String key) {
    long next = values.getAsLong();
    AtomicLong seen = new AtomicLong(-1);
    Invocation op = recorder.invokeCas(process, key, null, next);
    Optional<Long> result;
    try {
      result =
          target.update(
              key,
              old -> {
                seen.set(old);
                return next;
              });
    } catch (RuntimeException e) {
      failed(op, e);
      return;
    }
    if (result.isEmpty()) {
      op.fail(); // the key was absent: nothing was written
      absentUpdates.increment();
    } else {
      op.ok(seen.get(), next);
    }
  }

  /**
   * A field update sets the value's one column to a new unique value if the key exists: recorded as
   * a write that completes {@code fail} (nothing written) when the key was absent.
   */
  private void fieldUpdate(String key, String column) {
    long next = values.getAsLong();
    Invocation op = recorder.invoke(process, Action.WRITE, key, next);
    Optional<Long> result;
    try {
      result = target.update(key, Columns.set(column, next));
    } catch (
        UnsupportedOperationException
            e) { // a target without field updates (the naive class): refused before any I/O
      op.fail();
      return;
    } catch (RuntimeException e) {
      failed(op, e);
      return;
    }
    if (result.isEmpty()) {
      op.fail();
      absentUpdates.increment();
    } else if (result.get() != next) {
      op.info();
      surprises.record(
          op + " returned " + result.get(),
          new IllegalStateException(
              "a field update returned " + result.get() + " instead of the value it set"));
    } else {
      op.ok();
    }
  }

  private void delete(String key) {
    Invocation op = recorder.invoke(process, Action.DELETE, key, null);
    try {
      target.remove(key);
    } catch (RuntimeException e) {
      failed(op, e);
      return;
    }
    op.ok();
  }

  private void failed(Invocation op, RuntimeException e) {
    if (e instanceof StoreException
        || e instanceof IllegalArgumentException
        || e instanceof CacheTierUnavailableException) {
      op.fail();
    } else if (e instanceof CommitOutcomeUnknownException) {
      op.info();
    } else {
      op.info();
      surprises.record(op.toString(), e);
    }
  }

  /** Returns the description of the client for thread dumps. */
  @Override
  public String toString() {
    return "torture client " + process;
  }
}
