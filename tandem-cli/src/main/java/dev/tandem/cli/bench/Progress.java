package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.tandem.cli.Terminal;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The live progress bar of a run, redrawn in place four times a second with the current throughput;
 * only when the output is a terminal. Otherwise a phase shows nothing while it runs, and only the
 * lines given to {@link #println} are printed.
 */
final class Progress {

  private static final int BAR_WIDTH = 24;
  private static final long TICK_MILLIS = 250;

  private final PrintWriter out;
  private final Terminal terminal;
  private final boolean live;

  /**
   * @param live whether to draw the bar: true only when the output is a terminal
   */
  Progress(PrintWriter out, Terminal terminal, boolean live) {
    this.out = requireNonNull(out, "out");
    this.terminal = requireNonNull(terminal, "terminal");
    this.live = live;
  }

  /**
   * Shows a phase of a run until the returned handle is closed.
   *
   * @param duration the phase's length, or null when it runs a number of operations
   * @param operations the phase's operations when duration is null
   * @param done how many operations completed so far in the phase
   */
  Phase phase(
      String system,
      String phase,
      @Nullable Duration duration,
      long operations,
      LongSupplier done) {
    return new Phase(system, phase, duration, operations, done);
  }

  /** Prints a line, after clearing the bar if one is drawn. */
  synchronized void println(String line) {
    out.println(line);
    out.flush();
  }

  /** A phase being shown; closing it clears the bar. */
  final class Phase implements AutoCloseable {
    private final String label;
    private final @Nullable Duration duration;
    private final long operations;
    private final LongSupplier done;
    private final long start = System.nanoTime();
    private final @Nullable ScheduledExecutorService ticker;
    private long lastDone;
    private long lastNanos = start;
    private double rate;
    private int drawn;

    private Phase(
        String system,
        String phase,
        @Nullable Duration duration,
        long operations,
        LongSupplier done) {
      this.label = String.format(Locale.ROOT, "  %-18s %-9s", system, phase);
      this.duration = duration;
      this.operations = operations;
      this.done = done;
      if (live) {
        ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "bench-progress");
                  t.setDaemon(true);
                  return t;
                });
        executor.scheduleAtFixedRate(this::draw, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        this.ticker = executor;
      } else {
        this.ticker = null;
      }
    }

    private void draw() {
      long now = System.nanoTime();
      long count = done.getAsLong();
      double interval = (now - lastNanos) / 1e9;
      if (interval > 0) {
        rate = (count - lastDone) / interval;
      }
      lastDone = count;
      lastNanos = now;
      double fraction;
      String position;
      if (duration != null) {
        fraction = (now - start) / (double) Math.max(1, duration.toNanos());
        position =
            String.format(
                Locale.ROOT, "%5.1f s / %.1f s", (now - start) / 1e9, duration.toNanos() / 1e9);
      } else {
        fraction = count / (double) Math.max(1, operations);
        position = String.format(Locale.ROOT, "%,d / %,d ops", count, operations);
      }
      int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * BAR_WIDTH);
      String full = terminal.unicode() ? "█" : "#";
      String empty = terminal.unicode() ? "░" : ".";
      String line =
          label
              + " ["
              + terminal.cyan(full.repeat(filled))
              + empty.repeat(BAR_WIDTH - filled)
              + "]  "
              + position
              + "  "
              + terminal.bold(String.format(Locale.ROOT, "%,.0f ops/s", rate));
      synchronized (Progress.this) {
        int width = Terminal.width(line);
        out.print("\r" + line + " ".repeat(Math.max(0, drawn - width)));
        out.flush();
        drawn = width;
      }
    }

    @Override
    public void close() {
      if (ticker == null) {
        return;
      }
      ticker.shutdownNow();
      try {
        ticker.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (Progress.this) {
        if (drawn > 0) {
          out.print("\r" + " ".repeat(drawn) + "\r");
          out.flush();
        }
      }
    }
  }
}
