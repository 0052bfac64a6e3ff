package dev.tandem.testkit.torture;

import static java.util.Objects.requireNonNull;

import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.Store;
import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.HistoryRecorder;
import dev.tandem.testkit.history.Invocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A torture run: concurrent clients hammer few keys of a {@link Tandem} of {@code String} keys and
 * {@code Long} values (or of several, the nodes of a cluster, with the clients spread over them)
 * with a seeded mix of reads, writes, updates, deletes and invalidations, while a {@link Nemesis}
 * injects faults; every operation is recorded for the linearizability checker.
 *
 * <pre>{@code
 * TortureReport report = Torture.builder(tandem, store).clients(8).keys(20)
 *     .duration(Duration.ofSeconds(30)).seed(seed).nemesis(nemesis).build().run();
 * CheckResult result = LinearizabilityChecker.builder().build().check(report.history());
 * }</pre>
 *
 * <p><b>The history.</b> Keys are {@code k0}, {@code k1}, ...; they must be absent in the database
 * at the start. Every value written is unique in the run (a global counter), so a read names its
 * write. An {@code update} is recorded as a cas from the value its function was given to the value
 * it returned; on an absent key it is a {@code fail}. When the database store offers field updates
 * of its one value column ({@link Store#patchColumns}), some updates are field updates, recorded as
 * writes that complete {@code fail} on an absent key. Invalidations change no value and are only
 * counted. Evictions are the cache's business: give the target a small bound and a short expiry.
 *
 * <p><b>The end.</b> When the duration is over the clients finish their current operation, the
 * nemesis heals every fault, the quiescence action runs (for example waiting until the database has
 * no transaction in progress), and one more process per node reads every key through its node
 * (process {@code clients + i} through node {@code i}), then process {@code clients} reads it
 * directly from the database ({@code db-read}), so that a final divergence or a lost write shows up
 * in the same check.
 *
 * <p>The operation mix replays from the seed; the interleaving does not.
 */
public final class Torture {

  private static final int FINAL_READ_ATTEMPTS = 5;

  /**
   * The first process number of the outside writers (two each): above every client's and final
   * read's.
   */
  public static final int OUTSIDE_PROCESS = 100_000;

  private final List<Tandem<String, Long>> nodes;
  private final Store<String, Long> database;
  private final int clients;
  private final int keys;
  private final Duration duration;
  private final long seed;
  private final Nemesis nemesis;
  private final Runnable quiescence;
  private final Duration stopGrace;
  private final int part;
  private final int parts;
  private final int outsideWriters;
  private final @Nullable OutsideWriter outsideWriter;

  private Torture(Builder builder, long seed) {
    this.nodes = builder.nodes;
    this.database = builder.database;
    this.clients = builder.clients > 0 ? builder.clients : 8;
    this.keys = builder.keys > 0 ? builder.keys : 20;
    this.duration = builder.duration != null ? builder.duration : Duration.ofSeconds(30);
    this.seed = seed;
    this.nemesis = builder.nemesis != null ? builder.nemesis : Nemesis.none();
    this.quiescence = builder.quiescence != null ? builder.quiescence : () -> {};
    this.stopGrace = builder.stopGrace != null ? builder.stopGrace : Duration.ofSeconds(30);
    this.part = builder.part;
    this.parts = builder.parts;
    this.outsideWriters = builder.outsideWriters;
    this.outsideWriter = builder.outsideWriter;
  }

  /**
   * Returns a builder of a run against {@code target}, whose database is {@code database} (read
   * directly at the end, bypassing any cache).
   */
  public static Builder builder(Tandem<String, Long> target, Store<String, Long> database) {
    return new Builder(
        List.of(requireNonNull(target, "target")), requireNonNull(database, "database"));
  }

  /**
   * Returns a builder of a run against several nodes sharing one database: client {@code p} calls
   * node {@code p % nodes.size()}. The database is read directly at the end, bypassing any cache.
   *
   * @throws IllegalArgumentException if there is no node
   */
  public static Builder builder(
      List<? extends Tandem<String, Long>> nodes, Store<String, Long> database) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("nodes must not be empty");
    }
    return new Builder(List.copyOf(nodes), requireNonNull(database, "database"));
  }

  /** Returns the key of index {@code i}, as the clients name it: {@code k0}, {@code k1}, ... */
  public static String key(int i) {
    return "k" + i;
  }

  /**
   * Runs the clients for the duration, stops them and the nemesis, waits for quiescence, reads
   * every key a last time and returns what happened. Clients still running {@code stopGrace} after
   * the end are reported with a thread dump and interrupted; an operation of theirs that has not
   * completed by the time the history is taken stays pending (an unknown outcome).
   *
   * @throws InterruptedException if the calling thread is interrupted; the clients are stopped
   */
  public TortureReport run() throws InterruptedException {
    HistoryRecorder recorder = new HistoryRecorder();
    CountDownLatch[] done = new CountDownLatch[1]; // set before any client starts
    AtomicLong values = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder invalidations = new LongAdder();
    LongAdder absentUpdates = new LongAdder();
    Surprises surprises = new Surprises();
    SplittableRandom master = new SplittableRandom(seed);
    List<Thread> threads = new ArrayList<>(clients);
    java.util.Set<String> columns = database.patchColumns();
    String column =
        columns.size() == 1 ? columns.iterator().next() : null; // field updates of the one column
    LongSupplier nextValue =
        parts == 0 ? values::incrementAndGet : () -> values.incrementAndGet() * parts + part;
    int started = 0;
    for (int p = 0; p < clients; p++) {
      SplittableRandom random =
          master.split(); // split for every client, so that a part's clients replay alike
      if (parts != 0 && p % parts != part) {
        continue;
      }
      started++;
      Tandem<String, Long> node = parts != 0 ? nodes.get(0) : nodes.get(p % nodes.size());
      TortureClient client =
          new TortureClient(
              p,
              node,
              recorder,
              random,
              keys,
              nextValue,
              stop,
              invalidations,
              absentUpdates,
              surprises,
              column);
      threads.add(
          Thread.ofPlatform()
              .name("torture-client-" + p)
              .daemon()
              .unstarted(
                  () -> {
                    try {
                      client.run();
                    } catch (RuntimeException | Error e) {
                      surprises.record(client + " died", e); // its last operation stays pending
                    } finally {
                      done[0].countDown();
                    }
                  }));
    }
    for (int i = 0; i < outsideWriters; i++) {
      OutsideClient client =
          new OutsideClient(
              OUTSIDE_PROCESS + 2 * i,
              requireNonNull(outsideWriter),
              recorder,
              master.split(),
              keys,
              nextValue,
              stop,
              surprises);
      started++;
      threads.add(
          Thread.ofPlatform()
              .name(client.toString())
              .daemon()
              .unstarted(
                  () -> {
                    try {
                      client.run();
                    } catch (RuntimeException | Error e) {
                      surprises.record(client + " died", e);
                    } finally {
                      done[0].countDown();
                    }
                  }));
    }
    done[0] = new CountDownLatch(started);
    long start = System.nanoTime();
    threads.forEach(Thread::start);
    String stuck = "";
    try {
      nemesis.start();
      try {
        done[0].await(duration.toNanos(), TimeUnit.NANOSECONDS);
      } finally {
        stop.set(true);
        nemesis.stop();
      }
      if (!done[0].await(stopGrace.toNanos(), TimeUnit.NANOSECONDS)) {
        stuck = dump(threads);
        threads.forEach(Thread::interrupt);
      }
    } catch (InterruptedException e) {
      stop.set(true);
      threads.forEach(Thread::interrupt);
      throw e;
    }
    Duration ran = Duration.ofNanos(System.nanoTime() - start);
    quiescence.run();
    finalReads(recorder, surprises);
    return new TortureReport(
        recorder.history(),
        ran,
        invalidations.sum(),
        absentUpdates.sum(),
        surprises.count(),
        surprises.examples(),
        nemesis.summary(),
        stuck);
  }

  /**
   * One more process per node reads each key through its node, then one directly from the database
   * (not in a part: the database is read by whoever merges the parts).
   */
  private void finalReads(HistoryRecorder recorder, Surprises surprises) {
    for (int i = 0; i < keys; i++) {
      String key = key(i);
      for (int node = 0; node < nodes.size(); node++) {
        Tandem<String, Long> target = nodes.get(node);
        int process = clients + (parts != 0 ? part : node);
        for (int attempt = 0; attempt < FINAL_READ_ATTEMPTS; attempt++) {
          Invocation read = recorder.invoke(process, Action.READ, key, null);
          try {
            read.ok(target.get(key).orElse(null));
            break;
          } catch (StoreException e) {
            read.fail(); // documented: the database failed (a pooled connection the faults broke);
            // read again
          } catch (RuntimeException e) {
            read.fail();
            surprises.record("final " + read, e);
          }
        }
      }
      if (parts != 0) {
        continue;
      }
      databaseRead(database, recorder, clients, key, surprises::record);
    }
  }

  /**
   * Reads every key directly from {@code database} as process {@code process}, each recorded as a
   * {@code db-read} and retried a few times if the database fails: the end of a run whose parts
   * (see {@link Builder#partOf}) ran elsewhere. Call it after every part made its final reads, with
   * the process number {@code clients} of the parts.
   *
   * @param failures told of each failed read, with the exception
   */
  public static void readDatabase(
      Store<String, Long> database,
      HistoryRecorder recorder,
      int process,
      int keys,
      BiConsumer<String, RuntimeException> failures) {
    for (int i = 0; i < keys; i++) {
      databaseRead(database, recorder, process, key(i), failures);
    }
  }

  private static void databaseRead(
      Store<String, Long> database,
      HistoryRecorder recorder,
      int process,
      String key,
      BiConsumer<String, RuntimeException> failures) {
    for (int attempt = 0; attempt < FINAL_READ_ATTEMPTS; attempt++) {
      Invocation dbRead = recorder.invoke(process, Action.DB_READ, key, null);
      try {
        dbRead.ok(database.load(key).map(Versioned::value).orElse(null));
        break;
      } catch (RuntimeException e) {
        dbRead.fail();
        failures.accept("final " + dbRead, e);
      }
    }
  }

  private static String dump(List<Thread> threads) {
    StringBuilder sb = new StringBuilder();
    for (Thread t : threads) {
      if (!t.isAlive()) {
        continue;
      }
      sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
      for (StackTraceElement e : t.getStackTrace()) {
        sb.append("    at ").append(e).append('\n');
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "Torture{nodes="
        + nodes.size()
        + ", clients="
        + clients
        + ", keys="
        + keys
        + ", duration="
        + duration
        + ", seed="
        + seed
        + ", "
        + nemesis
        + "}";
  }

  /** Builds a {@link Torture}. The seed is required; each setting may be made once. */
  public static final class Builder {
    final List<Tandem<String, Long>> nodes;
    final Store<String, Long> database;
    int clients;
    int keys;
    @Nullable Duration duration;
    @Nullable Long seed;
    @Nullable Nemesis nemesis;
    @Nullable Runnable quiescence;
    @Nullable Duration stopGrace;
    int part = -1;
    int parts;
    int outsideWriters;
    @Nullable OutsideWriter outsideWriter;

    private Builder(List<Tandem<String, Long>> nodes, Store<String, Long> database) {
      this.nodes = nodes;
      this.database = database;
    }

    /**
     * Sets the number of concurrent clients. Default: 8.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if less than 1
     */
    public Builder clients(int clients) {
      if (this.clients != 0) {
        throw new IllegalStateException("clients was already set to " + this.clients);
      }
      if (clients < 1) {
        throw new IllegalArgumentException("clients must be at least 1 but was " + clients);
      }
      this.clients = clients;
      return this;
    }

    /**
     * Sets the number of keys, {@code k0} to {@code k<keys-1>}: few, so that operations collide.
     * Default: 20.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if less than 1
     */
    public Builder keys(int keys) {
      if (this.keys != 0) {
        throw new IllegalStateException("keys was already set to " + this.keys);
      }
      if (keys < 1) {
        throw new IllegalArgumentException("keys must be at least 1 but was " + keys);
      }
      this.keys = keys;
      return this;
    }

    /**
     * Sets how long the clients run. Default: 30 seconds.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder duration(Duration duration) {
      requireNonNull(duration, "duration");
      if (this.duration != null) {
        throw new IllegalStateException("duration was already set to " + this.duration);
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("duration must be positive but was " + duration);
      }
      this.duration = duration;
      return this;
    }

    /**
     * Sets the seed of the operation mix (and nothing else: the nemesis has its own). Required.
     *
     * @throws IllegalStateException if already set
     */
    public Builder seed(long seed) {
      if (this.seed != null) {
        throw new IllegalStateException("seed was already set to " + this.seed);
      }
      this.seed = seed;
      return this;
    }

    /**
     * Sets the fault injector. Default: {@link Nemesis#none()}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder nemesis(Nemesis nemesis) {
      requireNonNull(nemesis, "nemesis");
      if (this.nemesis != null) {
        throw new IllegalStateException("nemesis was already set to " + this.nemesis);
      }
      this.nemesis = nemesis;
      return this;
    }

    /**
     * Sets what to run after the clients and the nemesis stopped and before the final reads, to let
     * the system settle (for example, wait until the database has no transaction in progress).
     * Default: nothing.
     *
     * @throws IllegalStateException if already set
     */
    public Builder quiescence(Runnable quiescence) {
      requireNonNull(quiescence, "quiescence");
      if (this.quiescence != null) {
        throw new IllegalStateException("quiescence was already set");
      }
      this.quiescence = quiescence;
      return this;
    }

    /**
     * Sets how long to wait, after the duration, for the clients to finish their last operation
     * before they are reported stuck. Default: 30 seconds.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder stopGrace(Duration grace) {
      requireNonNull(grace, "grace");
      if (this.stopGrace != null) {
        throw new IllegalStateException("stop grace was already set to " + this.stopGrace);
      }
      if (grace.isNegative()) {
        throw new IllegalArgumentException("stop grace must not be negative but was " + grace);
      }
      this.stopGrace = grace;
      return this;
    }

    /**
     * Adds {@code writers} clients that change rows with {@code writer}, around the system under
     * test, recorded as {@code outside-write} and {@code outside-delete} operations on processes
     * {@link #OUTSIDE_PROCESS} and up (two per writer: a transaction changes up to two keys). Check
     * such a history with {@link dev.tandem.testkit.check.OutsideWrites}. Default: none.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if {@code writers} is negative
     */
    public Builder outsideWriters(int writers, OutsideWriter writer) {
      requireNonNull(writer, "writer");
      if (this.outsideWriter != null) {
        throw new IllegalStateException(
            "outside writers were already set to " + this.outsideWriters);
      }
      if (writers < 0) {
        throw new IllegalArgumentException(
            "outside writers must not be negative but was " + writers);
      }
      this.outsideWriters = writers;
      this.outsideWriter = writer;
      return this;
    }

    /**
     * Makes this run part {@code part} of {@code parts}, each in a process of its own with one node
     * (the one given to the builder): it runs only the clients {@code p} with {@code p % parts ==
     * part}, with the same operation mix as the whole run would give them, writes values {@code n *
     * parts + part} (unique across the parts), and makes its final reads through its node as
     * process {@code clients + part}, but no database reads: see {@link #readDatabase}. Default:
     * the whole run.
     *
     * @throws IllegalStateException if already set, or the builder has more than one node
     * @throws IllegalArgumentException if {@code part} is not in {@code [0, parts)}
     */
    public Builder partOf(int part, int parts) {
      if (this.parts != 0) {
        throw new IllegalStateException(
            "part was already set to " + this.part + " of " + this.parts);
      }
      if (nodes.size() != 1) {
        throw new IllegalStateException("a part runs one node, not " + nodes.size());
      }
      if (parts < 1 || part < 0 || part >= parts) {
        throw new IllegalArgumentException("part must be in [0, " + parts + ") but was " + part);
      }
      this.part = part;
      this.parts = parts;
      return this;
    }

    /**
     * Returns the run.
     *
     * @throws IllegalStateException if the seed was not set
     */
    public Torture build() {
      if (seed == null) {
        throw new IllegalStateException("seed must be set, so that the run can be replayed");
      }
      return new Torture(this, seed);
    }
  }
}
