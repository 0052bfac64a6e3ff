package dev.tandem.cli.verify;

import dev.tandem.testkit.server.PostgresServer;
import javax.sql.DataSource;

/** {@link VerifierSuite} on PostgreSQL. */
class VerifierPostgresIT extends VerifierSuite {

  @Override
  DataSource newDatabase() {
    return PostgresServer.shared().dataSource();
  }
}
