package dev.tandem.cli.verify;

import dev.tandem.testkit.server.H2Database;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/** {@link VerifierSuite} on H2. */
class VerifierH2IT extends VerifierSuite {

  private final H2Database database = H2Database.inMemory();

  @Override
  DataSource newDatabase() {
    return database.dataSource();
  }

  @AfterEach
  void shutDown() {
    database.close();
  }
}
