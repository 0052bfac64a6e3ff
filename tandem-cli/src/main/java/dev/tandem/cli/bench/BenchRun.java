package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.report.LatencySummary;
import dev.tandem.cli.report.OperationResult;
import dev.tandem.cli.report.SystemResult;
import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * Runs the workload of a {@link RunPlan} against one {@link BenchTarget}: a warm-up phase whose
 * latencies are thrown away, then the measured phase. Each operation's latency, from call to
 * return, goes into an HdrHistogram {@link Recorder} per operation; a sampler takes the interval
 * histograms every second, adds them up and, with a report, writes them to the system's
 * HdrHistogram log (one interval per second and operation, tagged with the operation's name).
 *
 * <p>The load is closed-loop: each thread starts its next operation when the last one returned. The
 * first failure of any operation stops the run and is reported.
 */
final class BenchRun {

  private static final int SIGNIFICANT_DIGITS = 3;
  private static final long SAMPLE_MILLIS = 1_000;

  private final RunPlan plan;
  private final Contender contender;
  private final ZipfianGenerator zipfian;
  private final Progress progress;
  private final @Nullable Path histogramLog;
  private final List<Operation> operations;
  private final String description;
  private @Nullable Measured measured;

  /**
   * @param description what the system is, as the results say
   * @param zipfian a generator over the plan's records, shared by the runs of all systems
   * @param histogramLog where to write the HdrHistogram log, or null for none
   */
  BenchRun(
      RunPlan plan,
      Contender contender,
      String description,
      ZipfianGenerator zipfian,
      Progress progress,
      @Nullable Path histogramLog) {
    this.plan = requireNonNull(plan, "plan");
    this.contender = requireNonNull(contender, "contender");
    this.description = requireNonNull(description, "description");
    this.zipfian = requireNonNull(zipfian, "zipfian");
    this.progress = requireNonNull(progress, "progress");
    this.histogramLog = histogramLog;
    this.operations = plan.workload().operations();
  }

  /**
   * Runs the warm-up and the measured phase and returns what was measured.
   *
   * @throws CommandFailedException if an operation failed
   */
  SystemResult run(BenchTarget target) {
    KeySpace keys = new KeySpace(plan.records());
    Recorder[] recorders = new Recorder[Operation.values().length];
    for (Operation op : operations) {
      recorders[op.ordinal()] = new Recorder(SIGNIFICANT_DIGITS);
    }
    if (!plan.warmup().isZero()) {
      runPhase(target, keys, recorders, "warm-up", plan.warmup(), 0, 1);
      for (Recorder recorder : recorders) {
        if (recorder != null) {
          recorder.getIntervalHistogram(); // discard the warm-up
        }
      }
    }
    BenchTarget.CacheCounts before = target.cacheCounts();
    try (Sampler sampler = new Sampler(recorders, histogramLog)) {
      long start = System.nanoTime();
      runPhase(target, keys, recorders, "measuring", plan.duration(), plan.operations(), 2);
      double seconds = (System.nanoTime() - start) / 1e9;
      sampler.sampleNow();
      BenchTarget.CacheCounts after = target.cacheCounts();
      measured =
          new Measured(
              sampler.totals(),
              seconds,
              before == null || after == null
                  ? null
                  : new BenchTarget.CacheCounts(
                      after.hits() - before.hits(), after.misses() - before.misses()));
      return result(contender.label(), description, operations, measured);
    }
  }

  /**
   * Returns what the last {@link #run} measured: its histograms, for the merge of several nodes'
   * runs.
   */
  Measured measured() {
    if (measured == null) {
      throw new IllegalStateException("the run has not measured yet");
    }
    return measured;
  }

  /**
   * What one run measured.
   *
   * @param totals the latency histogram of each operation, by {@link Operation#ordinal()} (null for
   *     operations the workload has not)
   * @param seconds how long the measured phase took
   * @param counts the cache's hits and misses in the measured phase, or null without a cache
   */
  record Measured(
      @Nullable Histogram[] totals, double seconds, BenchTarget.@Nullable CacheCounts counts) {}

  /**
   * Returns the result of {@code measured}, a run of {@code operations}, as {@code label} and
   * {@code description}.
   */
  static SystemResult result(
      String label, String description, List<Operation> operations, Measured measured) {
    Histogram all = new Histogram(SIGNIFICANT_DIGITS);
    List<OperationResult> byOperation = new ArrayList<>();
    double seconds = measured.seconds();
    for (Operation op : operations) {
      Histogram h = requireNonNull(measured.totals()[op.ordinal()]);
      all.add(h);
      byOperation.add(
          new OperationResult(op.label(), h.getTotalCount() / seconds, LatencySummary.ofNanos(h)));
    }
    Double hitRatio = null;
    BenchTarget.CacheCounts counts = measured.counts();
    if (counts != null && counts.hits() + counts.misses() > 0) {
      hitRatio = (double) counts.hits() / (counts.hits() + counts.misses());
    }
    return new SystemResult(
        label,
        description,
        seconds,
        all.getTotalCount(),
        all.getTotalCount() / seconds,
        LatencySummary.ofNanos(all),
        hitRatio,
        byOperation);
  }

  /**
   * Runs one phase on {@code plan.threads()} threads: for {@code duration}, or {@code operations}
   * in all.
   */
  private void runPhase(
      BenchTarget target,
      KeySpace keys,
      Recorder[] recorders,
      String phase,
      @Nullable Duration duration,
      long operations,
      int salt) {
    int threads = plan.threads();
    LongAdder done = new LongAdder();
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    long[] deadline = new long[1];
    List<Thread> workers = new ArrayList<>(threads);
    for (int i = 0; i < threads; i++) {
      long quota =
          duration != null
              ? Long.MAX_VALUE
              : operations / threads + (i < operations % threads ? 1 : 0);
      Worker worker =
          new Worker(
              target,
              keys,
              recorders,
              done,
              failure,
              new SplittableRandom(plan.seed() * 31 + salt * 1_000_003L + i),
              quota);
      Thread thread =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                worker.run(duration != null, deadline[0]);
              },
              "bench-" + contender.label() + "-" + i);
      thread.setDaemon(true);
      workers.add(thread);
      thread.start();
    }
    try (Progress.Phase shown =
        progress.phase(contender.label(), phase, duration, operations, done::sum)) {
      deadline[0] = duration != null ? System.nanoTime() + duration.toNanos() : 0;
      go.countDown(); // publishes the deadline to the workers
      for (Thread worker : workers) {
        worker.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure.compareAndSet(null, e);
    }
    Throwable failed = failure.get();
    if (failed != null) {
      throw new CommandFailedException(
          contender.label() + " failed while " + phase + ": " + failed, failed);
    }
  }

  /** One thread's loop. */
  private final class Worker {
    private final BenchTarget target;
    private final KeySpace keys;
    private final Recorder[] recorders;
    private final LongAdder done;
    private final AtomicReference<@Nullable Throwable> failure;
    private final SplittableRandom random;
    private final long quota;
    private final KeyChooser chooser;
    private final ValuePool values;

    Worker(
        BenchTarget target,
        KeySpace keys,
        Recorder[] recorders,
        LongAdder done,
        AtomicReference<@Nullable Throwable> failure,
        SplittableRandom random,
        long quota) {
      this.target = target;
      this.keys = keys;
      this.recorders = recorders;
      this.done = done;
      this.failure = failure;
      this.random = random;
      this.quota = quota;
      this.chooser = KeyChooser.of(plan.workload(), plan.distribution(), keys, zipfian);
      this.values = new ValuePool(plan.valueSize(), random);
    }

    /** Runs operations until the quota is done or, if timed, until the deadline. */
    void run(boolean timed, long deadline) {
      Workload workload = plan.workload();
      try {
        for (long n = 0;
            n < quota && failure.get() == null && (!timed || System.nanoTime() - deadline < 0);
            n++) {
          Operation op = workload.next(random);
          long start = System.nanoTime();
          execute(op);
          recorders[op.ordinal()].recordValue(System.nanoTime() - start);
          done.increment();
        }
      } catch (RuntimeException | Error e) {
        failure.compareAndSet(null, e);
      }
    }

    private void execute(Operation op) {
      switch (op) {
        case READ -> target.read(KeySpace.key(chooser.next(random)));
        case UPDATE -> target.write(KeySpace.key(chooser.next(random)), values.next());
        case INSERT -> {
          long index = keys.nextInsert();
          target.write(KeySpace.key(index), values.next());
          keys.acknowledge(index);
        }
        case READ_MODIFY_WRITE -> {
          String key = KeySpace.key(chooser.next(random));
          target.read(key);
          target.write(key, values.next());
        }
      }
    }
  }

  /**
   * Takes the recorders' interval histograms every second, adds them to the totals and writes them
   * to the log. Closing it stops the sampling and closes the log.
   */
  private final class Sampler implements AutoCloseable {
    private final Recorder[] recorders;
    private final @Nullable Histogram[] totals = new Histogram[Operation.values().length];
    private final @Nullable Histogram[] recycled = new Histogram[Operation.values().length];
    private final @Nullable HistogramLogWriter log;
    private final ScheduledExecutorService executor;

    Sampler(Recorder[] recorders, @Nullable Path logFile) {
      this.recorders = recorders;
      for (Operation op : operations) {
        totals[op.ordinal()] = new Histogram(SIGNIFICANT_DIGITS);
      }
      this.log = logFile == null ? null : openLog(logFile);
      this.executor =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "bench-sampler");
                t.setDaemon(true);
                return t;
              });
      executor.scheduleAtFixedRate(
          this::sampleNow, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private HistogramLogWriter openLog(Path file) {
      try {
        HistogramLogWriter writer = new HistogramLogWriter(file.toFile());
        long now = System.currentTimeMillis();
        writer.outputLogFormatVersion();
        writer.outputComment(
            "tandem bench: system "
                + contender.label()
                + ", workload "
                + plan.workload().label()
                + ", "
                + plan.threads()
                + " threads; latencies in nanoseconds; one interval per second and operation,"
                + " tagged with the operation");
        writer.outputStartTime(now);
        writer.setBaseTime(now);
        writer.outputBaseTime(now);
        writer.outputLegend();
        return writer;
      } catch (FileNotFoundException e) {
        throw new UncheckedIOException(
            "cannot write the histogram log " + file + ": " + e.getMessage(), e);
      }
    }

    synchronized void sampleNow() {
      for (Operation op : operations) {
        int i = op.ordinal();
        Histogram interval = recorders[i].getIntervalHistogram(recycled[i]);
        requireNonNull(totals[i]).add(interval); // made for every operation of the workload
        if (log != null && interval.getTotalCount() > 0) {
          interval.setTag(op.label());
          log.outputIntervalHistogram(interval);
        }
        recycled[i] = interval;
      }
    }

    synchronized @Nullable Histogram[] totals() {
      return totals;
    }

    @Override
    public void close() {
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (log != null) {
        log.close();
      }
    }
  }
}
