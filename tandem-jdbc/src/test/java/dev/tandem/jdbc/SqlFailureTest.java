package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * How MariaDB's failures are sorted; PostgreSQL's and H2's are covered by the integration suites.
 */
class SqlFailureTest {

  @Test
  void aMariaDbConnectionKilledIsAConnectionFailureThatMayBeRetried() {
    SQLException killed = new SQLException("Connection was killed", "70100", 1927);

    assertThat(SqlFailure.isConnectionFailure(killed)).isTrue();
    assertThat(SqlFailure.isRetryableConnectionFailure(killed)).isTrue();
  }

  @Test
  void aMariaDbStatementTimeoutOrInterruptedQueryIsNot() {
    assertThat(
            SqlFailure.isConnectionFailure(
                new SQLException(
                    "Query execution was interrupted (max_statement_time" + " exceeded)",
                    "70100",
                    1969)))
        .isFalse();
    assertThat(
            SqlFailure.isConnectionFailure(
                new SQLException("Query execution was interrupted", "70100", 1317)))
        .isFalse();
  }

  @Test
  void mariaDbDeadlocksArePassingAndLockTimeoutsAreNot() {
    assertThat(
            SqlFailure.isPassing(
                new SQLException("Deadlock found when trying to get lock", "40001", 1213)))
        .isTrue();
    assertThat(SqlFailure.isPassing(new SQLException("Lock wait timeout exceeded", "HY000", 1205)))
        .isFalse();
  }
}
