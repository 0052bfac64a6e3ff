package dev.tandem.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.cli.CliRun;
import dev.tandem.testkit.server.MariaDbServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link VerifierSuite} on MariaDB, and {@code tandem verify --jdbc-url jdbc:mariadb:...} on its
 * table.
 */
class VerifierMariaDbIT extends VerifierSuite {

  private final List<HikariDataSource> pools = new ArrayList<>();

  /** A pool at READ COMMITTED, which JdbcStore needs (MariaDB's default is REPEATABLE READ). */
  @Override
  DataSource newDatabase() {
    HikariConfig config = new HikariConfig();
    config.setDataSource(MariaDbServer.shared().dataSource());
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setMaximumPoolSize(4);
    HikariDataSource pool = new HikariDataSource(config);
    pools.add(pool);
    return pool;
  }

  @AfterEach
  void closePools() {
    pools.forEach(HikariDataSource::close);
  }

  @Test
  void theVerifyCommandChecksAMariaDbTableByUrl() throws SQLException {
    String database;
    try (Connection c = dataSource().getConnection()) {
      database = c.getCatalog();
    }

    CliRun run =
        CliRun.of(
            "verify", "--jdbc-url", MariaDbServer.shared().jdbcUrl(database), "--table", "account");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "account: 10 keys",
            "Checked 10 keys: 10 cached, 0 differ from the database.",
            "CONSISTENT");
  }
}
