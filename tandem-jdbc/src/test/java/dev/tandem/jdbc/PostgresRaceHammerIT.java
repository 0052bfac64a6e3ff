package dev.tandem.jdbc;

import dev.tandem.testkit.server.PostgresServer;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** {@link RaceHammerIT} on a real PostgreSQL. */
class PostgresRaceHammerIT extends RaceHammerIT {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @Override
  DataSource freshDatabase() {
    return PostgresServer.shared().createDatabase("race_" + DATABASES.incrementAndGet());
  }
}
