package dev.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem demo} end to end on the embedded H2 database, run in-process. */
class DemoIT {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

  @TempDir Path dataDir;

  @Test
  void runsAllStepsDelaysTheFlightByTwoHoursAndRestoresIt() throws SQLException {
    Flight original = FlightsData.generate().flights().get(115 - 1);

    CliRun run = CliRun.of("demo", "--data-dir", dataDir.toString(), "--no-color");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).as(run.toString()).isEmpty();
    assertThat(run.out())
        .contains("First run: creating the demo database")
        .containsSubsequence(
            "Step 1/6",
            "CACHE_MISS",
            "Step 2/6",
            "CACHE_HIT",
            "Step 3/6",
            "Step 4/6",
            "CONSISTENT",
            "Step 5/6",
            "CACHE_HIT",
            "Step 6/6",
            "CONSISTENT",
            "Summary")
        .doesNotContain("INCONSISTENT");
    LocalDateTime delayedDeparture = original.departure().plusHours(2);
    LocalDateTime delayedArrival = original.arrival().plusHours(2);
    assertThat(run.out())
        .containsPattern(row("Departure", original.departure(), delayedDeparture))
        .containsPattern(row("Arrival", original.arrival(), delayedArrival))
        .containsPattern(row("departure", delayedDeparture, delayedDeparture))
        .containsPattern(row("arrival", delayedArrival, delayedArrival))
        .containsPattern(row("Departure", delayedDeparture, original.departure()))
        .containsPattern(row("Arrival", delayedArrival, original.arrival()));
    assertThat(databaseFlight(115)).isEqualTo(original);
    assertThat(count("flight_log")).isEqualTo(2);
  }

  @Test
  void aSecondRunReusesTheDatabase() throws SQLException {
    CliRun first = CliRun.of("demo", "--data-dir", dataDir.toString());
    long versionAfterFirst = version(115);

    CliRun second = CliRun.of("demo", "--data-dir", dataDir.toString());

    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out())
        .doesNotContain("First run")
        .contains("CACHE_MISS", "CACHE_HIT", "CONSISTENT");
    assertThat(count("flight_log")).as("the log was kept, not recreated").isEqualTo(4);
    assertThat(count("flight")).isEqualTo(FlightsData.FLIGHTS);
    assertThat(version(115)).isGreaterThan(versionAfterFirst);
  }

  @Test
  void anUnknownFlightIsAOneLineErrorWithExitCode1() {
    CliRun run = CliRun.of("demo", "--data-dir", dataDir.toString(), "--flight-id", "999999");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .isEqualTo(
            "tandem demo: flight 999999 does not exist; the database has flights 1 to 6000 (choose one with --flight-id)");
    assertThat(run.out()).doesNotContain("Step 1");
  }

  @Test
  void anotherFlightCanBeChosen() throws SQLException {
    Flight original = FlightsData.generate().flights().get(4321 - 1);

    CliRun run = CliRun.of("demo", "--data-dir", dataDir.toString(), "-f", "4321");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(original.flightNo())
        .containsPattern(row("Departure", original.departure(), original.departure().plusHours(2)));
    assertThat(databaseFlight(4321)).isEqualTo(original);
  }

  @Test
  void verboseShowsTheSqlOfTheStoreAndOfTheDemo() {
    CliRun run = CliRun.of("demo", "--data-dir", dataDir.toString(), "--verbose");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    String write =
        run.out().substring(run.out().indexOf("Step 3/6"), run.out().indexOf("Step 4/6"));
    assertThat(write)
        .contains("Tandem's store ran:")
        .containsIgnoringCase("flight_log")
        .contains("COMMIT");
    String hit = run.out().substring(run.out().indexOf("Step 2/6"), run.out().indexOf("Step 3/6"));
    assertThat(hit).contains("no SQL: the database was not touched");
    assertThat(run.out()).contains(FlightQueries.ROUTE_SQL, FlightQueries.ROW_SQL);
  }

  @Test
  void flushExplainsWhatItMeansForTheLocalTier() {
    CliRun run = CliRun.of("demo", "--data-dir", dataDir.toString(), "--flush");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .containsSubsequence("--flush: emptied the cache", "Step 1/6", "CACHE_MISS");
  }

  @Test
  void interactiveWaitsForEnterBeforeEachStep() {
    InputStream stdin = System.in;
    System.setIn(new ByteArrayInputStream("\n\n\n\n\n\n".getBytes(StandardCharsets.UTF_8)));
    try {
      CliRun run = CliRun.of("demo", "--data-dir", dataDir.toString(), "-i");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(run.out())
          .containsSubsequence(
              "Press Enter for step 1/6", "Step 1/6", "Press Enter for step 6/6", "Step 6/6");
    } finally {
      System.setIn(stdin);
    }
  }

  /** A table row: the label, then the two times, separated by blanks only. */
  private static Pattern row(String label, LocalDateTime first, LocalDateTime second) {
    return Pattern.compile(
        "(?m)^\\s+"
            + label
            + "\\s+"
            + Pattern.quote(TIME.format(first))
            + "\\s+"
            + Pattern.quote(TIME.format(second))
            + "\\s*(\\S+)?$");
  }

  private Flight databaseFlight(long id) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(FlightQueries.ROW_SQL.replace("?", Long.toString(id)))) {
      assertThat(row.next()).as("flight %s exists", id).isTrue();
      return FlightMapper.readFlight(row);
    }
  }

  private long version(long id) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery("SELECT tandem_version FROM flight WHERE flight_id = " + id)) {
      row.next();
      return row.getLong(1);
    }
  }

  private long count(String table) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
      row.next();
      return row.getLong(1);
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:h2:file:" + dataDir.resolve("flights").toAbsolutePath());
  }
}
