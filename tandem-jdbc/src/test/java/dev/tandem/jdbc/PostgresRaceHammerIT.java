package dev.tandem.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.testkit.server.PostgresServer;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/** {@link RaceHammerIT} on a real PostgreSQL, through a HikariCP pool as an application would. */
class PostgresRaceHammerIT extends RaceHammerIT {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private HikariDataSource pool;

  @Override
  DataSource freshDatabase() {
    String name = "race_" + DATABASES.incrementAndGet();
    PostgresServer server = PostgresServer.shared();
    server.createDatabase(name);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.jdbcUrl(name));
    config.setUsername(PostgresServer.USER);
    config.setMaximumPoolSize(10);
    pool = new HikariDataSource(config);
    return pool;
  }

  @AfterEach
  void closePool() {
    pool.close();
  }
}
