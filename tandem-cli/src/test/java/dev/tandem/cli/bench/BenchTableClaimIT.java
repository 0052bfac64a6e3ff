package dev.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: {@code bench --table X} dropped any existing table X. It now refuses a table it did not
 * create (one without its table comment) unless {@code --force}, and reuses its own.
 */
class BenchTableClaimIT {

  private static final String URL = "jdbc:h2:mem:bench_claim;DB_CLOSE_DELAY=-1";

  private Connection keeper;

  @BeforeEach
  void createAForeignTable() throws SQLException {
    keeper = DriverManager.getConnection(URL, "sa", "");
    try (Statement s = keeper.createStatement()) {
      s.execute("DROP TABLE IF EXISTS orders");
      s.execute("CREATE TABLE orders (id INT PRIMARY KEY, total INT)");
      s.execute("INSERT INTO orders VALUES (1, 100)");
    }
  }

  @AfterEach
  void close() throws SQLException {
    try (Statement s = keeper.createStatement()) {
      s.execute("DROP ALL OBJECTS");
    }
    keeper.close();
  }

  @Test
  void refusesATableItDidNotCreate() throws SQLException {
    CliRun run = bench("--table", "orders");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.err())
        .contains("the table orders exists and was not created by tandem bench", "--force");
    assertThat(orders()).as("the table and its row are still there").isEqualTo(1);
  }

  @Test
  void dropsItWithForce() {
    CliRun run = bench("--table", "orders", "--force");

    assertThat(run.exitCode()).as(run.toString()).isZero();
  }

  @Test
  void reusesATableItCreated() {
    CliRun first = bench("--table", "bench_own");
    CliRun second = bench("--table", "bench_own");

    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(second.exitCode()).as(second.toString()).isZero();
  }

  @Test
  void aNameThatMatchesOnlyAsAPatternIsNotTheTable() {
    CliRun run = bench("--table", "order_");

    assertThat(run.exitCode()).as(run.toString()).isZero();
  }

  private static CliRun bench(String... table) {
    String[] args = {
      "bench",
      "--jdbc-url",
      URL,
      "--jdbc-user",
      "sa",
      "--compare",
      "direct",
      "--operations",
      "50",
      "--warmup",
      "0s",
      "--records",
      "10",
      "--no-progress"
    };
    String[] all = new String[args.length + table.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(table, 0, all, args.length, table.length);
    return CliRun.of(all);
  }

  private int orders() throws SQLException {
    try (Statement s = keeper.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
