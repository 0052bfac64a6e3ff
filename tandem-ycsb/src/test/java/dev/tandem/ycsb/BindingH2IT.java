package dev.tandem.ycsb;

import dev.tandem.testkit.server.H2Database;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** {@link BindingSuite} on H2. */
class BindingH2IT extends BindingSuite {

  private final List<H2Database> databases = new ArrayList<>();

  @Override
  String newDatabaseUrl() {
    H2Database database = H2Database.inMemory();
    databases.add(database);
    return database.jdbcUrl() + ";USER=sa";
  }

  @AfterEach
  void shutDown() {
    databases.forEach(H2Database::close);
  }
}
