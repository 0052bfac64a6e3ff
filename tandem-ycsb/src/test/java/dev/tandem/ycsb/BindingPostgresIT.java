package dev.tandem.ycsb;

import dev.tandem.testkit.server.PostgresServer;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link BindingSuite} on PostgreSQL. */
class BindingPostgresIT extends BindingSuite {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  @Override
  String newDatabaseUrl() {
    PostgresServer server = PostgresServer.shared();
    String name = "ycsb_" + DATABASES.incrementAndGet();
    server.createDatabase(name);
    return server.jdbcUrl(name);
  }
}
