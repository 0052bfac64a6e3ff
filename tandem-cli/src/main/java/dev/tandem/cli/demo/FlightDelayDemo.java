package dev.tandem.cli.demo;

import static java.util.Objects.requireNonNull;

import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.ExitCode;
import dev.tandem.cli.LatencyFormat;
import dev.tandem.cli.Terminal;
import dev.tandem.cli.TextTable;
import dev.tandem.spi.Cached;
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
 * The six steps of the flight-delay demo, run against a {@link Tandem} over the flights table: a
 * miss, a hit, a delay written through, a field-by-field check of database against cache, a read of
 * the delayed flight and the restore of its original times.
 *
 * <p>Hits and misses are what Tandem's own counters report, not guesses from latency; the database
 * side of every check is read with plain JDBC, never through Tandem.
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
  private final DemoCache cache;
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
   */
  record Settings(
      long flightId,
      boolean verbose,
      boolean flush,
      @Nullable BufferedReader keyboard,
      String database) {}

  /**
   * Creates the demo; {@code tandem} caches in {@code cache}'s tier, whose copies the consistency
   * check reads, and its store's data source and Redis client record into {@code trace}.
   */
  FlightDelayDemo(
      Tandem<Long, Flight> tandem,
      Store<Long, Flight> store,
      FlightQueries queries,
      SqlTrace trace,
      DemoCache cache,
      PrintWriter out,
      Terminal terminal,
      Settings settings) {
    this.tandem = requireNonNull(tandem, "tandem");
    this.store = requireNonNull(store, "store");
    this.queries = requireNonNull(queries, "queries");
    this.trace = requireNonNull(trace, "trace");
    this.cache = requireNonNull(cache, "cache");
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

    step(
        1, "First read: flight " + id + " is not cached yet, so Tandem loads it from the database");
    Read miss = read();
    Flight original = miss.flight();
    printStoreSql("Tandem's store ran", miss.sent());
    FlightQueries.Route route = queries.route(id);
    printDemoSql(FlightQueries.ROUTE_SQL, "the demo ran, for the airport and airline names");
    out.println();
    printFlight(original, route, null);

    step(2, "Second read: Tandem answers from the cache");
    Read hit = read();
    printStoreSql("Tandem's store ran", hit.sent());
    if (hit.status() == ReadStatus.CACHE_HIT && miss.status() == ReadStatus.CACHE_MISS) {
      out.println(
          hit.nanos() <= miss.nanos()
              ? "  "
                  + LatencyFormat.speedUp(miss.nanos(), hit.nanos())
                  + " faster than the read from the database"
              : "  "
                  + LatencyFormat.speedUp(hit.nanos(), miss.nanos())
                  + " slower than the read from the database this time");
    }
    out.println();
    TextTable.of("Read", "Source", "Latency", "Speed-up")
        .alignRight(2, 3)
        .row("first", miss.status().source(), terminal.latency(miss.nanos()), "1.0x")
        .row(
            "second",
            hit.status().source(),
            terminal.latency(hit.nanos()),
            LatencyFormat.speedUp(miss.nanos(), hit.nanos()))
        .print(out, terminal);

    step(3, "A two-hour delay, written through Tandem");
    out.println(
        "  tandem.update("
            + id
            + ", flight -> flight.delayedBy(2 hours)) locks the row, writes it and a");
    out.println(
        "  flight_log entry in one database transaction, commits, and only then updates the cache.");
    Write delay = write(flight -> flight.delayedBy(DELAY));
    printStoreSql("Tandem's store ran", trace.drain());
    out.println();
    TextTable.of("", "Before", "After")
        .row(
            "Departure",
            time(original.departure()),
            terminal.yellow(time(delay.flight().departure())))
        .row("Arrival", time(original.arrival()), terminal.yellow(time(delay.flight().arrival())))
        .print(out, terminal);
    out.println();
    out.println(
        "  committed and cached in "
            + terminal.latency(delay.nanos())
            + "; flight_log: "
            + delay.logRowsAdded());

    step(4, "Database and cache, field by field");
    boolean consistent = compare();

    step(5, "Read the delayed flight");
    Read updated = read();
    printStoreSql("Tandem's store ran", updated.sent());
    out.println();
    printFlight(updated.flight(), route, original);

    step(6, "Restore the original times (another write through Tandem)");
    Write restore = write(flight -> flight.withTimes(original.departure(), original.arrival()));
    printStoreSql("Tandem's store ran", trace.drain());
    out.println();
    TextTable.of("", "Before", "After")
        .row(
            "Departure",
            time(delay.flight().departure()),
            terminal.green(time(restore.flight().departure())))
        .row(
            "Arrival",
            time(delay.flight().arrival()),
            terminal.green(time(restore.flight().arrival())))
        .print(out, terminal);
    out.println();
    out.println(
        "  committed and cached in "
            + terminal.latency(restore.nanos())
            + "; flight_log: "
            + restore.logRowsAdded());
    boolean restored = checkRestored(original);

    summary(List.of(miss, hit, updated), start, logStart);
    return ExitCode.of(consistent && restored);
  }

  private void header() {
    out.println(terminal.bold("Tandem flight-delay demo"));
    out.println("  database  " + settings.database());
    out.println("  cache     " + cache.description());
    out.println("  flight    " + id + ", delayed by two hours and restored");
  }

  /**
   * Exercises the code paths of the steps on other flights, so that their timings show steady state
   * rather than the first use of every class: misses and hits through Tandem (interleaved, as in
   * the steps), and writes that change nothing: the store's write path in transactions that are
   * rolled back, and Tandem's update path with a function that gives up. The data and the log stay
   * as they were; only the version sequence moves on, which versions allow.
   */
  private void warmUp() {
    Duration waited = cache.awaitFills(id);
    trace.drain();
    if (waited.toMillis() >= 100) {
      out.println(
          terminal.dim(
              String.format(
                  Locale.ROOT,
                  "  fills     the Redis tier caches loaded rows after %.1f s: on a"
                      + " server it has not verified before, it first waits out its write fence timeout (%d s)",
                  waited.toMillis() / 1000.0,
                  DemoCache.WRITE_FENCE_TIMEOUT.toSeconds())));
    }
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
        transaction
            .loadForUpdate(other)
            .ifPresent(
                row ->
                    transaction.apply(
                        List.of(new Mutation.Put<>(other, row.value().delayedBy(DELAY)))));
      } // closed without commit: rolled back
      try {
        tandem.update(
            other,
            flight -> {
              throw new AbandonedWrite();
            });
      } catch (AbandonedWrite expected) {
        // nothing was written
      }
    }
    tandem.invalidateAll();
    trace.drain();
    out.println(
        terminal.dim(
            String.format(
                Locale.ROOT,
                "  warm-up   %,d reads and %d abandoned writes of other flights first,"
                    + " so that the timings show steady state",
                WARM_UP_READS,
                2 * WARM_UP_WRITES)));
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
    trace.drain();
    out.println();
    if (cache.shared()) {
      out.println(
          "--flush: emptied the cache (invalidateAll): every entry under "
              + DemoCache.keyPrefix(store)
              + " in Redis, which outlives this process.");
      return;
    }
    out.println(
        "--flush: emptied the cache (invalidateAll). The local tier lives inside this process, so every run");
    out.println(
        "starts with an empty cache anyway; --flush matters with a shared tier (Redis, Valkey), whose cache");
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
    trace.drain(); // what the stats sent (INFO on Redis) is no part of the read
    long start = System.nanoTime();
    Optional<Flight> flight = tandem.get(id);
    long nanos = System.nanoTime() - start;
    List<SqlTrace.Line> sent = trace.drain();
    Stats after = tandem.stats();
    trace.drain();
    ReadStatus status =
        after.missCount() > before.missCount() ? ReadStatus.CACHE_MISS : ReadStatus.CACHE_HIT;
    String symbol =
        status == ReadStatus.CACHE_HIT
            ? terminal.green(terminal.check())
            : terminal.yellow(terminal.cross());
    String name =
        status == ReadStatus.CACHE_HIT
            ? terminal.green(status.name())
            : terminal.yellow(status.name());
    out.println(
        "  "
            + symbol
            + " "
            + name
            + "  "
            + terminal.bold(terminal.latency(nanos))
            + "  "
            + terminal.dim(status.meaning()));
    return new Read(status, nanos, flight.orElseThrow(() -> vanished()), sent);
  }

  private Write write(Function<Flight, Flight> change) throws SQLException {
    long logBefore = queries.logRows();
    long start = System.nanoTime();
    Optional<Flight> written = tandem.update(id, change::apply);
    long nanos = System.nanoTime() - start;
    long added = queries.logRows() - logBefore;
    return new Write(
        written.orElseThrow(() -> vanished()),
        nanos,
        "+" + added + (added == 1 ? " row" : " rows"));
  }

  private CommandFailedException vanished() {
    return new CommandFailedException("flight " + id + " was deleted while the demo ran");
  }

  private boolean compare() throws SQLException {
    out.println("  The demo reads the row straight from the database with JDBC, and");
    out.println("  " + cache.explanation(id) + ".");
    FlightQueries.Row db = queries.row(id).orElseThrow(this::vanished);
    printDemoSql(FlightQueries.ROW_SQL, "the demo ran");
    List<DemoCache.Copy> copies = cache.copies();
    List<@Nullable Cached<Flight>> held = read(copies);
    printCacheReads();
    out.println();
    Flight d = db.flight();
    List<String> headers = new ArrayList<>(List.of("Field", "Database"));
    copies.forEach(copy -> headers.add(copy.name()));
    headers.add("Match");
    TextTable table = TextTable.of(headers.toArray(String[]::new));
    boolean consistent = true;
    consistent &= field(table, "flightno", d.flightNo(), copies, held, Flight::flightNo);
    consistent &= field(table, "from", d.from(), copies, held, Flight::from);
    consistent &= field(table, "to", d.to(), copies, held, Flight::to);
    consistent &= field(table, "airline_id", d.airlineId(), copies, held, Flight::airlineId);
    consistent &=
        field(table, "departure", time(d.departure()), copies, held, f -> time(f.departure()));
    consistent &= field(table, "arrival", time(d.arrival()), copies, held, f -> time(f.arrival()));
    consistent &= version(table, db.version(), copies, held);
    table.print(out, terminal);
    out.println();
    if (consistent) {
      out.println(
          "  "
              + terminal.green(terminal.check() + " CONSISTENT")
              + "  the cache holds exactly the committed row");
    } else {
      out.println(
          "  "
              + terminal.red(terminal.cross() + " INCONSISTENT")
              + "  the cache differs from the database");
    }
    return consistent;
  }

  /** Reads what each place holds, in order; null where it holds nothing. */
  private List<@Nullable Cached<Flight>> read(List<DemoCache.Copy> copies) {
    List<@Nullable Cached<Flight>> held = new ArrayList<>();
    for (DemoCache.Copy copy : copies) {
      held.add(copy.reader().read(id));
    }
    return held;
  }

  /**
   * Adds the row of one field: what the database and each place hold. It matches if every place
   * that holds the flight holds this value, and every place a write must leave a copy in has one.
   */
  private boolean field(
      TextTable table,
      String name,
      Object database,
      List<DemoCache.Copy> copies,
      List<@Nullable Cached<Flight>> held,
      Function<Flight, Object> column) {
    List<Object> cells = new ArrayList<>(List.of(name, database));
    boolean match = true;
    for (int i = 0; i < copies.size(); i++) {
      Cached<Flight> copy = held.get(i);
      Flight flight = copy == null ? null : copy.value();
      if (flight == null) {
        cells.add(copy == null ? "(not cached)" : "(deleted)");
        match &= copy == null && !copies.get(i).mustHold();
      } else {
        Object value = column.apply(flight);
        cells.add(value);
        match &= Objects.equals(database, value);
      }
    }
    cells.add(match ? terminal.green(terminal.check()) : terminal.red(terminal.cross()));
    table.row(cells.toArray());
    return match;
  }

  /** Adds the row of the version column; a place that keeps no versions (L1) shows a dash. */
  private boolean version(
      TextTable table,
      long database,
      List<DemoCache.Copy> copies,
      List<@Nullable Cached<Flight>> held) {
    List<Object> cells = new ArrayList<>(List.of(FlightsSchema.VERSION_COLUMN, database));
    boolean match = true;
    for (int i = 0; i < copies.size(); i++) {
      Cached<Flight> copy = held.get(i);
      if (copy == null) {
        cells.add("(not cached)");
        match &= !copies.get(i).mustHold();
      } else if (!copies.get(i).versioned()) {
        cells.add("-");
      } else {
        cells.add(copy.version());
        match &= copy.value() != null && copy.version() == database;
      }
    }
    cells.add(match ? terminal.green(terminal.check()) : terminal.red(terminal.cross()));
    table.row(cells.toArray());
    return match;
  }

  private boolean checkRestored(Flight original) throws SQLException {
    FlightQueries.Row db = queries.row(id).orElseThrow(this::vanished);
    List<DemoCache.Copy> copies = cache.copies();
    List<@Nullable Cached<Flight>> held = read(copies);
    trace.drain();
    boolean restored =
        db.flight().departure().equals(original.departure())
            && db.flight().arrival().equals(original.arrival());
    boolean agree = true;
    List<String> shown = new ArrayList<>();
    for (int i = 0; i < copies.size(); i++) {
      Cached<Flight> copy = held.get(i);
      agree &=
          copy == null
              ? !copies.get(i).mustHold()
              : db.flight().equals(copy.value())
                  && (!copies.get(i).versioned() || copy.version() == db.version());
      shown.add(
          copies.get(i).name().toLowerCase(Locale.ROOT)
              + " "
              + (copy == null ? "(not cached)" : copy.value()));
    }
    if (restored && agree) {
      out.println(
          "  "
              + terminal.green(terminal.check() + " CONSISTENT")
              + "  database and cache both hold the original times again ("
              + FlightsSchema.VERSION_COLUMN
              + " "
              + db.version()
              + ")");
      return true;
    }
    out.println(
        "  "
            + terminal.red(terminal.cross() + " INCONSISTENT")
            + "  database "
            + db.flight()
            + ", "
            + String.join(", ", shown));
    return false;
  }

  private void printFlight(Flight flight, FlightQueries.Route route, @Nullable Flight before) {
    String delayed =
        terminal.yellow(terminal.leftArrow() + " delayed by " + DELAY.toHours() + " hours");
    TextTable.withoutHeader(2)
        .row("Flight", flight.flightNo())
        .row(
            "Route",
            route.fromIata()
                + " ("
                + route.fromCity()
                + ") "
                + terminal.arrow()
                + " "
                + route.toIata()
                + " ("
                + route.toCity()
                + ")")
        .row("Airline", route.airline())
        .row(
            "Departure",
            time(flight.departure())
                + (before != null && !before.departure().equals(flight.departure())
                    ? "  " + delayed
                    : ""))
        .row(
            "Arrival",
            time(flight.arrival())
                + (before != null && !before.arrival().equals(flight.arrival())
                    ? "  " + delayed
                    : ""))
        .print(out, terminal);
  }

  private void summary(List<Read> reads, Stats start, long logStart) throws SQLException {
    long fromDatabase = reads.stream().filter(r -> r.status() == ReadStatus.CACHE_MISS).count();
    long writes = tandem.stats().writeCount() - start.writeCount();
    long logRows = queries.logRows() - logStart;
    out.println();
    out.println(
        terminal.bold("Summary")
            + "  "
            + reads.size()
            + " reads of flight "
            + id
            + " ("
            + fromDatabase
            + " from the database, "
            + (reads.size() - fromDatabase)
            + " from the cache), "
            + writes
            + " writes through Tandem, "
            + logRows
            + " flight_log rows added.");
  }

  /**
   * Prints what Tandem sent since the last call, in order: SQL in colour, Redis commands after
   * {@code redis>}; then says so if the database was not touched.
   */
  private void printStoreSql(String label, List<SqlTrace.Line> lines) {
    if (!settings.verbose()) {
      return;
    }
    boolean redis = lines.stream().anyMatch(line -> line.target() == SqlTrace.Target.REDIS);
    printLines(redis ? "Tandem sent" : label, lines);
    if (lines.isEmpty() && cache.shared()) {
      out.println(terminal.dim("    no SQL, no Redis command: answered from this process's L1"));
    } else if (lines.stream().noneMatch(line -> line.target() == SqlTrace.Target.SQL)) {
      out.println(terminal.dim("    no SQL: the database was not touched"));
    }
  }

  /** Prints the Redis commands the demo's own read of the cache sent (none for the local tier). */
  private void printCacheReads() {
    List<SqlTrace.Line> lines = trace.drain();
    if (settings.verbose()) {
      printLines("the demo sent", lines);
    }
  }

  private void printLines(String label, List<SqlTrace.Line> lines) {
    if (lines.isEmpty()) {
      return;
    }
    out.println(terminal.dim("    " + label + ":"));
    for (SqlTrace.Line line : lines) {
      out.println(
          "      "
              + (line.target() == SqlTrace.Target.REDIS
                  ? terminal.dim("redis> ") + line.text()
                  : terminal.cyan(line.text())));
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

  /**
   * One read through Tandem.
   *
   * @param status whether the cache answered it
   * @param nanos how long {@code tandem.get} took
   * @param flight what it returned
   * @param sent the SQL and Redis commands it sent
   */
  private record Read(ReadStatus status, long nanos, Flight flight, List<SqlTrace.Line> sent) {}

  private record Write(Flight flight, long nanos, String logRowsAdded) {}
}
