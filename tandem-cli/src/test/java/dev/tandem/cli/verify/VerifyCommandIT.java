package dev.tandem.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.testkit.server.H2Database;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tandem verify} on an H2 table: the command fills its own cache, the test changes a row
 * with plain SQL behind it (the step the command offers for this), and the command must find the
 * row and, with {@code --repair}, fix it.
 */
class VerifyCommandIT {

  private final H2Database database = H2Database.inMemory();
  private final DataSource dataSource = database.dataSource();

  @BeforeEach
  void createAccounts() throws SQLException {
    sql(
        "CREATE TABLE account (id BIGINT PRIMARY KEY, owner VARCHAR(40) NOT NULL, balance BIGINT NOT NULL)");
    JdbcSchema.addVersionColumn(dataSource, "account", "tandem_version");
    for (int i = 1; i <= 20; i++) {
      sql(
          "INSERT INTO account (id, owner, balance) VALUES ("
              + i
              + ", 'owner "
              + i
              + "', "
              + (i * 100)
              + ")");
    }
  }

  @AfterEach
  void shutDown() {
    database.close();
  }

  @Test
  void anUntouchedTableIsConsistent() {
    CliRun run =
        CliRun.of(
            "verify", "--jdbc-url", database.jdbcUrl(), "--table", "account", "--jdbc-user", "sa");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "ACCOUNT: 20 keys",
            "Checked 20 keys: 20 cached, 0 differ from the database.",
            "CONSISTENT");
  }

  @Test
  void findsARowChangedBySqlBehindTheCacheWithExitCode1() {
    Run run =
        verify(() -> sql("UPDATE account SET balance = 999999 WHERE id = 7"), "--table", "account");

    assertThat(run.exitCode).as(run.out).isEqualTo(1);
    assertThat(run.out)
        .containsPattern(
            "(?m)^\\s+7\\s+value differs\\s+(\\d+)\\s+\\1\\s+owner 7, 700\\s+owner 7, 999999$")
        .contains(
            "Checked 20 keys: 20 cached, 1 differ from the database.", "INCONSISTENT", "--repair");
  }

  @Test
  void repairInvalidatesTheRowAndExitsWith0() {
    Run run =
        verify(
            () -> {
              sql("UPDATE account SET balance = 0 WHERE id = 3");
              sql("DELETE FROM account WHERE id = 4");
            },
            "--table",
            "account",
            "--repair");

    assertThat(run.exitCode).as(run.out).isZero();
    assertThat(run.out)
        .contains("value differs", "row deleted", "no row", "REPAIRED", "repaired 2 of 2");
  }

  @Test
  void aSampleChecksOnlySomeKeys() {
    CliRun run =
        CliRun.of(
            "verify",
            "--jdbc-url",
            database.jdbcUrl(),
            "--jdbc-user",
            "sa",
            "--table",
            "ACCOUNT",
            "--sample",
            "5",
            "--seed",
            "1");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("5 keys (a sample)", "Checked 5 keys: 5 cached");
  }

  @Test
  void aTableNotWrittenThroughTandemIsAOneLineError() throws SQLException {
    sql("CREATE TABLE plain (id INT PRIMARY KEY, name VARCHAR(10))");

    CliRun run =
        CliRun.of(
            "verify", "--jdbc-url", database.jdbcUrl(), "--jdbc-user", "sa", "--table", "plain");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .isEqualTo(
            "tandem verify: table PLAIN has no version column tandem_version: it is not written through Tandem"
                + " (or name the column with --version-column)");
  }

  @Test
  void withoutADemoDatabaseItSaysWhatToDo(@TempDir Path empty) {
    CliRun run = CliRun.of("verify", "--data-dir", empty.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .isEqualTo(
            "tandem verify: there is no demo database in "
                + empty
                + ": run tandem demo first, or give --jdbc-url");
  }

  @Test
  void usageErrorsAreOneLineWithExitCode2() {
    CliRun zero = CliRun.of("verify", "--sample", "0");
    CliRun both = CliRun.of("verify", "--data-dir", "x", "--jdbc-url", "jdbc:h2:mem:x");

    assertThat(zero.exitCode()).isEqualTo(2);
    assertThat(zero.errLines())
        .singleElement()
        .asString()
        .startsWith("tandem verify: --sample must be positive");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.errLines()).singleElement().asString().contains("cannot go with --jdbc-url");
  }

  /** The outcome of a run with a step between filling and checking. */
  private record Run(int exitCode, String out) {}

  /**
   * Runs verify on the test database, with {@code change} run after the fill and before the check.
   */
  private Run verify(SqlStep change, String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli =
        new CommandLine(
            new VerifyCommand(
                () -> {
                  try {
                    change.run();
                  } catch (SQLException e) {
                    throw new IllegalStateException(e);
                  }
                }));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    String[] all = new String[args.length + 4];
    all[0] = "--jdbc-url";
    all[1] = database.jdbcUrl();
    all[2] = "--jdbc-user";
    all[3] = "sa";
    System.arraycopy(args, 0, all, 4, args.length);
    return new Run(cli.execute(all), out.toString());
  }

  @FunctionalInterface
  private interface SqlStep {
    void run() throws SQLException;
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
