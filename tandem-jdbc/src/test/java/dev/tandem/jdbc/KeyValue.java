package dev.tandem.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A text key-value table ({@link JdbcSchema#createKeyValueTable}) for tests that bring their own
 * data sources: pools with settings of their own, several nodes, a proxy in front of the server.
 */
final class KeyValue {

  private static final AtomicInteger POOLS = new AtomicInteger();

  private KeyValue() {}

  /**
   * Creates the table {@code table} in the database of {@code ds} and returns a store of it over
   * {@code ds}.
   */
  static JdbcStore<String, String> create(DataSource ds, String table) {
    JdbcSchema.createKeyValueTable(ds, table, ValueType.TEXT);
    return store(ds, table);
  }

  /** Returns a store of an existing key-value {@code table}. */
  static JdbcStore<String, String> store(DataSource ds, String table) {
    return JdbcStore.<String, String>builder()
        .dataSource(ds)
        .table(table)
        .keyColumn("key", String.class)
        .rowMapper(RowMapper.text("value"))
        .build();
  }

  /**
   * Returns a store of an existing key-value {@code table} whose lone writes take two round trips.
   */
  static JdbcStore<String, String> twoRoundTripStore(DataSource ds, String table) {
    return JdbcStore.<String, String>builder()
        .dataSource(ds)
        .table(table)
        .keyColumn("key", String.class)
        .rowMapper(RowMapper.text("value"))
        .autoCommitSingleWrites(false)
        .build();
  }

  /**
   * Returns a HikariCP pool of {@code size} connections over {@code unpooled} that waits up to 30
   * seconds for a connection, running {@code initSql} on every new connection.
   */
  static HikariDataSource pool(DataSource unpooled, int size, @Nullable String initSql) {
    return pool(unpooled, size, initSql, Duration.ofSeconds(30));
  }

  /**
   * Returns a HikariCP pool of {@code size} connections over {@code unpooled} that gives up waiting
   * for a connection after {@code connectionTimeout} (HikariCP's least is 250 ms).
   */
  static HikariDataSource pool(
      DataSource unpooled, int size, @Nullable String initSql, Duration connectionTimeout) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(unpooled);
    config.setMaximumPoolSize(size);
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.setValidationTimeout(Math.min(5_000, connectionTimeout.toMillis()));
    config.setPoolName("kv-" + POOLS.incrementAndGet());
    config.setTransactionIsolation(
        "TRANSACTION_READ_COMMITTED"); // MariaDB's default is REPEATABLE READ
    if (initSql != null) {
      config.setConnectionInitSql(initSql);
    }
    return new HikariDataSource(config);
  }
}
