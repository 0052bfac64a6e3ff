package dev.tandem.cli.demo;

import static java.util.Objects.requireNonNull;

import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.ExitCode;
import dev.tandem.cli.LatencyFormat;
import dev.tandem.cli.Terminal;
import dev.tandem.cli.TextTable;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The six steps of the flight-delay demo, run against a {@link Tandem} over the flights table:
 * a miss, a hit, a delay written through, a field-by-field check of database against cache, a
 * read of the delayed flight and the restore of its original times.
 *
 * <p>Hits and misses are what Tandem's own counters report, not guesses from latency; the
 * database side of every check is read with plain JDBC, never through Tandem.
 */
final class FlightDelayDemo {

  static final Duration DELAY = Duration.ofHours(2);

  private static final int STEPS = 6;
  private static final int WARM_UP_FLIGHTS = 200;
  private static final int WARM_UP_READS = 20_000;
  private static final int WARM_UP_WRITES = 100;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

  private final Tandem<Long, Flight> tandem;
  private final Store<Long, Flight> store;
  private final FlightQueries queries;
  private final SqlTrace trace;
  private final PrintWriter out;
  private final Terminal terminal;
  private final Settings settings;
  private final long id;

  /**
   * How the demo runs.
   *
   * @param flightId the flight to delay
   * @param verbose whether to print the SQL
   * @param flush whether to empty the cache first
   * @param keyboard where to wait for Enter between steps, or null to run straight through
   * @param database a description of the database, for the header
   * @param cache a description of the cache tier, for the header
   */
  record Settings(
      long flightId, boolean verbose, boolean flush, @Nullable BufferedReader keyboard, String database, String cache) {}

  FlightDelayDemo(Tandem<Long, Flight> tandem, Store<Long, Flight> store, FlightQueries queries, SqlTrace trace,
      PrintWriter out, Terminal terminal, Settings settings) {
    this.tandem = requireNonNull(tandem, "tandem");
    this.store = requireNonNull(store, "store");
    this.queries = requireNonNull(queries, "queries");
    this.trace = requireNonNull(trace, "trace");
    this.out = requireNonNull(out, "out");
    this.terminal = requireNonNull(terminal, "terminal");
    this.settings = requireNonNull(settings, "settings");
    this.id = settings.flightId();
  }

  /** Runs the steps and returns the exit code: 0, or 1 if database and cache disagreed. */
  int run() throws SQLException {
    header();
    warmUp();
    if (settings.flush()) {
      flush();
    }
    Stats start = tandem.stats();
    long logStart = queries.logRows();

    step(1, "First read: flight " + id + " is not cached yet, so Tandem loads it from the database");
    Read miss = read();
    Flight original = miss.flight();
    printStoreSql("Tandem's store ran");
    FlightQueries.Route route = queries.route(id);
    printDemoSql(FlightQueries.ROUTE_SQL, "the demo ran, for the airport and airline names");
    out.println();
    printFlight(original, route, null);

    step(2, "Second read: Tandem answers from the cache");
    Read hit = read();
    printStoreSql("Tandem's store ran");
    if (hit.status() == ReadStatus.CACHE_HIT && miss.status() == ReadStatus.CACHE_MISS) {
      out.println("  " + LatencyFormat.speedUp(miss.nanos(), hit.nanos()) + " faster than the read from the database");
    }
    out.println();
    TextTable.of("Read", "Source", "Latency", "Speed-up")
        .alignRight(2, 3)
        .row("first", miss.status().source(), terminal.latency(miss.nanos()), "1.0x")
        .row("second", hit.status().source(), terminal.latency(hit.nanos()), LatencyFormat.speedUp(miss.nanos(), hit.nanos()))
        .print(out, terminal);

    step(3, "A two-hour delay, written through Tandem");
    out.println("  tandem.update(" + id + ", flight -> flight.delayedBy(2 hours)) locks the row, writes it and a");
    out.println("  flight_log entry in one database transaction, commits, and only then updates the cache.");
    Write delay = write(flight -> flight.delayedBy(DELAY));
    printStoreSql("Tandem's store ran");
    out.println();
    TextTable.of("", "Before", "After")
        .row("Departure", time(original.departure()), terminal.yellow(time(delay.flight().departure())))
        .row("Arrival", time(original.arrival()), terminal.yellow(time(delay.flight().arrival())))
        .print(out, terminal);
    out.println();
    out.println("  committed and cached in " + terminal.latency(delay.nanos()) + "; flight_log: " + delay.logRowsAdded());

    step(4, "Database and cache, field by field");
    boolean consistent = compare();

    step(5, "Read the delayed flight");
    Read updated = read();
    printStoreSql("Tandem's store ran");
    out.println();
    printFlight(updated.flight(), route, original);

    step(6, "Restore the original times (another write through Tandem)");
    Write restore = write(flight -> flight.withTimes(original.departure(), original.arrival()));
    printStoreSql("Tandem's store ran");
    out.println();
    TextTable.of("", "Before", "After")
        .row("Departure", time(delay.flight().departure()), terminal.green(time(restore.flight().departure())))
        .row("Arrival", time(delay.flight().arrival()), terminal.green(time(restore.flight().arrival())))
        .print(out, terminal);
    out.println();
    out.println("  committed and cached in " + terminal.latency(restore.nanos()) + "; flight_log: " + restore.logRowsAdded());
    boolean restored = checkRestored(original);

    summary(List.of(miss, hit, updated), start, logStart);
    return ExitCode.of(consistent && restored);
  }

  private void header() {
    out.println(terminal.bold("Tandem flight-delay demo"));
    out.println("  database  " + settings.database());
    out.println("  cache     " + settings.cache());
    out.println("  flight    " + id + ", delayed by two hours and restored");
  }

  /**
   * Exercises the code paths of the steps on other flights, so that their timings show steady
   * state rather than the first use of every class: misses and hits through Tandem (interleaved,
   * as in the steps), and writes that change nothing: the store's write path in transactions that
   * are rolled back, and Tandem's update path with a function that gives up. The data and the log
   * stay as they were; only the version sequence moves on, which versions allow.
   */
  private void warmUp() {
    List<Long> others = new ArrayList<>();
    for (long other = 1; others.size() < WARM_UP_FLIGHTS && other <= WARM_UP_FLIGHTS + 1; other++) {
      if (other != id) {
        others.add(other);
      }
    }
    for (int i = 0; i < WARM_UP_READS; i++) {
      Long other = others.get(i % others.size());
      if (i % 10 == 0) {
        tandem.invalidate(other); // the next read of it is a miss
      }
      tandem.get(other);
      tandem.getIfCached(other);
    }
    for (int i = 0; i < WARM_UP_WRITES; i++) {
      Long other = others.get(i % others.size());
      try (StoreTransaction<Long, Flight> transaction = store.begin()) {
        transaction.loadForUpdate(other).ifPresent(row ->
            transaction.apply(List.of(new Mutation.Put<>(other, row.value().delayedBy(DELAY)))));
      } // closed without commit: rolled back
      try {
        tandem.update(other, flight -> {
          throw new AbandonedWrite();
        });
      } catch (AbandonedWrite expected) {
        // nothing was written
      }
    }
    tandem.invalidateAll();
    trace.drain();
    out.println(terminal.dim(String.format(Locale.ROOT, "  warm-up   %,d reads and %d abandoned writes of other flights first,"
        + " so that the timings show steady state", WARM_UP_READS, 2 * WARM_UP_WRITES)));
  }

  /** Thrown by the warm-up's update function: Tandem then writes nothing. */
  private static final class AbandonedWrite extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AbandonedWrite() {
      super("warm-up", null, false, false);
    }
  }

  private void flush() {
    tandem.invalidateAll();
    out.println();
    out.println("--flush: emptied the cache (invalidateAll). The local tier lives inside this process, so every run");
    out.println("starts with an empty cache anyway; --flush matters with a shared tier (Redis, Valkey), whose cache");
    out.println("outlives the process.");
  }

  private void step(int number, String title) {
    BufferedReader keyboard = settings.keyboard();
    if (keyboard != null) {
      out.println();
      out.print(terminal.dim("Press Enter for step " + number + "/" + STEPS + "..."));
      out.flush();
      try {
        keyboard.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    out.println();
    out.println(terminal.bold("Step " + number + "/" + STEPS + "  " + title));
  }

  private Read read() {
    Stats before = tandem.stats();
    long start = System.nanoTime();
    Optional<Flight> flight = tandem.get(id);
    long nanos = System.nanoTime() - start;
    Stats after = tandem.stats();
    ReadStatus status = after.missCount() > before.missCount() ? ReadStatus.CACHE_MISS : ReadStatus.CACHE_HIT;
    String symbol = status == ReadStatus.CACHE_HIT ? terminal.green(terminal.check()) : terminal.yellow(terminal.cross());
    String name = status == ReadStatus.CACHE_HIT ? terminal.green(status.name()) : terminal.yellow(status.name());
    out.println("  " + symbol + " " + name + "  " + terminal.bold(terminal.latency(nanos)) + "  " + terminal.dim(status.meaning()));
    return new Read(status, nanos, flight.orElseThrow(() -> vanished()));
  }

  private Write write(Function<Flight, Flight> change) throws SQLException {
    long logBefore = queries.logRows();
    long start = System.nanoTime();
    Optional<Flight> written = tandem.update(id, change::apply);
    long nanos = System.nanoTime() - start;
    long added = queries.logRows() - logBefore;
    return new Write(written.orElseThrow(() -> vanished()), nanos, "+" + added + (added == 1 ? " row" : " rows"));
  }

  private CommandFailedException vanished() {
    return new CommandFailedException("flight " + id + " was deleted while the demo ran");
  }

  private boolean compare() throws SQLException {
    out.println("  The demo reads the row straight from the database with JDBC, and the cache's copy with");
    out.println("  tandem.getIfCached(" + id + "), which never touches the database.");
    FlightQueries.Row db = queries.row(id).orElseThrow(this::vanished);
    printDemoSql(FlightQueries.ROW_SQL, "the demo ran");
    Stats before = tandem.stats();
    Optional<Flight> cachedValue = tandem.getIfCached(id);
    Optional<Long> cachedVersion = cachedValue.isPresent() ? tandem.getVersioned(id).map(Versioned::version) : Optional.empty();
    if (tandem.stats().missCount() > before.missCount()) {
      cachedVersion = Optional.empty(); // it was no longer cached: that version came from the database
    }
    out.println();
    Flight d = db.flight();
    Optional<Flight> c = cachedValue;
    TextTable table = TextTable.of("Field", "Database", "Cache", "Match");
    boolean consistent = true;
    consistent &= field(table, "flightno", d.flightNo(), c.map(Flight::flightNo));
    consistent &= field(table, "from", d.from(), c.map(Flight::from));
    consistent &= field(table, "to", d.to(), c.map(Flight::to));
    consistent &= field(table, "airline_id", d.airlineId(), c.map(Flight::airlineId));
    consistent &= field(table, "departure", time(d.departure()), c.map(f -> time(f.departure())));
    consistent &= field(table, "arrival", time(d.arrival()), c.map(f -> time(f.arrival())));
    consistent &= field(table, FlightsSchema.VERSION_COLUMN, db.version(), cachedVersion);
    table.print(out, terminal);
    out.println();
    if (consistent) {
      out.println("  " + terminal.green(terminal.check() + " CONSISTENT") + "  the cache holds exactly the committed row");
    } else {
      out.println("  " + terminal.red(terminal.cross() + " INCONSISTENT") + "  the cache differs from the database");
    }
    return consistent;
  }

  private boolean field(TextTable table, String name, Object database, Optional<?> cached) {
    boolean match = cached.isPresent() && Objects.equals(database, cached.get());
    String mark = match ? terminal.green(terminal.check()) : terminal.red(terminal.cross());
    table.row(name, database, cached.map(String::valueOf).orElse("(not cached)"), mark);
    return match;
  }

  private boolean checkRestored(Flight original) throws SQLException {
    FlightQueries.Row db = queries.row(id).orElseThrow(this::vanished);
    Optional<Flight> cached = tandem.getIfCached(id);
    boolean restored = db.flight().departure().equals(original.departure()) && db.flight().arrival().equals(original.arrival());
    boolean agree = cached.isPresent() && cached.get().equals(db.flight());
    if (restored && agree) {
      out.println("  " + terminal.green(terminal.check() + " CONSISTENT")
          + "  database and cache both hold the original times again (" + FlightsSchema.VERSION_COLUMN + " " + db.version() + ")");
      return true;
    }
    out.println("  " + terminal.red(terminal.cross() + " INCONSISTENT") + "  database " + db.flight() + ", cache "
        + cached.map(String::valueOf).orElse("(not cached)"));
    return false;
  }

  private void printFlight(Flight flight, FlightQueries.Route route, @Nullable Flight before) {
    String delayed = terminal.yellow(terminal.leftArrow() + " delayed by " + DELAY.toHours() + " hours");
    TextTable.withoutHeader(2)
        .row("Flight", flight.flightNo())
        .row("Route", route.fromIata() + " (" + route.fromCity() + ") " + terminal.arrow() + " " + route.toIata() + " (" + route.toCity() + ")")
        .row("Airline", route.airline())
        .row("Departure", time(flight.departure()) + (before != null && !before.departure().equals(flight.departure()) ? "  " + delayed : ""))
        .row("Arrival", time(flight.arrival()) + (before != null && !before.arrival().equals(flight.arrival()) ? "  " + delayed : ""))
        .print(out, terminal);
  }

  private void summary(List<Read> reads, Stats start, long logStart) throws SQLException {
    long fromDatabase = reads.stream().filter(r -> r.status() == ReadStatus.CACHE_MISS).count();
    long writes = tandem.stats().writeCount() - start.writeCount();
    long logRows = queries.logRows() - logStart;
    out.println();
    out.println(terminal.bold("Summary") + "  " + reads.size() + " reads of flight " + id + " (" + fromDatabase
        + " from the database, " + (reads.size() - fromDatabase) + " from the cache), " + writes + " writes through Tandem, "
        + logRows + " flight_log rows added.");
  }

  private void printStoreSql(String label) {
    List<String> sql = trace.drain();
    if (!settings.verbose()) {
      return;
    }
    if (sql.isEmpty()) {
      out.println(terminal.dim("    no SQL: the database was not touched"));
      return;
    }
    out.println(terminal.dim("    " + label + ":"));
    for (String line : sql) {
      out.println("      " + terminal.cyan(line));
    }
  }

  private void printDemoSql(String sql, String label) {
    if (settings.verbose()) {
      out.println(terminal.dim("    " + label + ":"));
      out.println("      " + terminal.cyan(sql));
    }
  }

  private static String time(LocalDateTime time) {
    return TIME.format(time);
  }

  /** Whether a read was answered by the cache, as Tandem's counters tell. */
  enum ReadStatus {
    CACHE_MISS("database", "not in the cache: loaded from the database, and now cached"),
    CACHE_HIT("cache", "answered from the cache, no database access");

    private final String source;
    private final String meaning;

    ReadStatus(String source, String meaning) {
      this.source = source;
      this.meaning = meaning;
    }

    String source() {
      return source;
    }

    String meaning() {
      return meaning;
    }
  }

  private record Read(ReadStatus status, long nanos, Flight flight) {}

  private record Write(Flight flight, long nanos, String logRowsAdded) {}
}
