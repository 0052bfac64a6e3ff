package dev.tandem.bench.impl;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.jdbc.RowMapper;
import dev.tandem.jdbc.ValueType;
import dev.tandem.local.LocalTier;

/**
 * Tandem with the local tier over a {@link JdbcStore} on a key-value table with a version column
 * ({@link JdbcSchema#createKeyValueTable}): {@code put} commits to the database, then updates the
 * cache. The tier holds every key of the benchmark. Optionally with {@link
 * JdbcStore.Builder#autoCommitSingleWrites}, which makes a lone put one round trip on PostgreSQL.
 */
final class TandemPut implements PutTarget {

  private final HikariDataSource pool;
  private final Tandem<String, String> tandem;

  TandemPut(BenchDatabase db, boolean autoCommitSingleWrites) {
    String table = db.newTableName("tandem_put");
    JdbcSchema.createKeyValueTable(db.unpooled(), table, ValueType.TEXT);
    this.pool = db.pool(2);
    JdbcStore<String, String> store =
        JdbcStore.<String, String>builder()
            .dataSource(pool)
            .table(table)
            .keyColumn("key", String.class)
            .rowMapper(RowMapper.text("value"))
            .autoCommitSingleWrites(autoCommitSingleWrites)
            .build();
    this.tandem =
        Tandem.builder(store)
            .cacheTier(LocalTier.<String, String>builder().maximumSize(20_000).build())
            .build();
  }

  @Override
  public void put(String key, String value) {
    tandem.put(key, value);
  }

  @Override
  public void close() {
    tandem.close();
    pool.close();
  }
}
