package dev.tandem.testkit.torture;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.HistoryRecorder;
import dev.tandem.testkit.history.Invocation;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A torture client that writes around the system under test through an {@link OutsideWriter}: one
 * key alone, or two keys in one transaction; two thirds writes (an insert or an update, by whether
 * the row exists), one third deletes, each value unique in the run. Each change is recorded as an
 * operation of its own, on one of the client's two processes ({@code process} and {@code process +
 * 1}), over the time the statement or transaction took. It pauses a few milliseconds between
 * changes, so that reads see each one.
 */
final class OutsideClient implements Runnable {

  private final int process;
  private final OutsideWriter writer;
  private final HistoryRecorder recorder;
  private final SplittableRandom random;
  private final int keys;
  private final LongSupplier values;
  private final AtomicBoolean stop;
  private final Surprises surprises;

  OutsideClient(
      int process,
      OutsideWriter writer,
      HistoryRecorder recorder,
      SplittableRandom random,
      int keys,
      LongSupplier values,
      AtomicBoolean stop,
      Surprises surprises) {
    this.process = process;
    this.writer = writer;
    this.recorder = recorder;
    this.random = random;
    this.keys = keys;
    this.values = values;
    this.stop = stop;
    this.surprises = surprises;
  }

  @Override
  public void run() {
    while (!stop.get()) {
      int first = random.nextInt(keys);
      int count = keys > 1 && random.nextInt(3) == 0 ? 2 : 1;
      List<OutsideWriter.Change> changes = new ArrayList<>(count);
      List<Invocation> ops = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String key = Torture.key((first + i) % keys);
        boolean delete = random.nextInt(3) == 0;
        Long value = delete ? null : values.getAsLong();
        changes.add(new OutsideWriter.Change(key, value));
        ops.add(
            recorder.invoke(
                process + i, delete ? Action.OUTSIDE_DELETE : Action.OUTSIDE_WRITE, key, value));
      }
      try {
        writer.apply(changes);
        for (int i = 0; i < count; i++) {
          ops.get(i).ok();
        }
      } catch (Exception e) {
        ops.forEach(Invocation::info); // a cut connection leaves the commit unknown
        surprises.record("outside writer p" + process, e);
      }
      LockSupport.parkNanos(1_000_000L + random.nextInt(4_000_000));
    }
  }

  @Override
  public String toString() {
    return "outside-writer-p" + process;
  }
}
