package dev.tandem.jdbc;

import dev.tandem.testkit.server.H2Database;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/** {@link RaceHammerIT} on embedded H2. */
class H2RaceHammerIT extends RaceHammerIT {
  private H2Database database;

  @Override
  DataSource freshDatabase() {
    database = H2Database.inMemory();
    return database.dataSource();
  }

  @AfterEach
  void stop() {
    database.close();
  }
}
