package dev.tandem.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.testkit.server.MariaDbServer;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link RaceHammerIT} on a real MariaDB, through a HikariCP pool at READ COMMITTED as an
 * application would.
 */
class MariaDbRaceHammerIT extends RaceHammerIT {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private HikariDataSource pool;

  @Override
  DataSource freshDatabase() {
    String name = "race_" + DATABASES.incrementAndGet();
    MariaDbServer server = MariaDbServer.shared();
    server.createDatabase(name);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.jdbcUrl(name));
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setMaximumPoolSize(10);
    pool = new HikariDataSource(config);
    return pool;
  }

  @AfterEach
  void closePool() {
    pool.close();
  }
}
