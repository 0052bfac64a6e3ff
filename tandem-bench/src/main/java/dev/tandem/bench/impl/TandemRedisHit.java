package dev.tandem.bench.impl;

import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.jdbc.RowMapper;
import dev.tandem.jdbc.ValueType;
import dev.tandem.redis.Codec;
import dev.tandem.redis.RedisTier;
import dev.tandem.testkit.server.H2Database;
import org.jspecify.annotations.Nullable;

/**
 * Tandem's {@code get} over a {@link RedisTier} (one GET and a decode on a hit), with a JdbcStore
 * on embedded H2 that the hits never reach.
 */
final class TandemRedisHit implements RedisHit {

  /** The key prefix that {@link LettuceHit} reads too. */
  static final String PREFIX = "bench:";

  private final H2Database h2 = H2Database.inMemory();
  private final Tandem<String, String> tandem;

  TandemRedisHit(String uri) {
    JdbcSchema.createKeyValueTable(h2.dataSource(), "kv", ValueType.TEXT);
    JdbcStore<String, String> store =
        JdbcStore.<String, String>builder()
            .dataSource(h2.dataSource())
            .table("kv")
            .keyColumn("key", String.class)
            .rowMapper(RowMapper.text("value"))
            .build();
    this.tandem =
        Tandem.builder(store)
            .cacheTier(
                RedisTier.<String, String>builder(Codec.string())
                    .uri(uri)
                    .keyPrefix(PREFIX)
                    .build())
            .build();
  }

  void fill(int keys, int valueBytes) {
    for (long key = 0; key < keys; key++) {
      StringBuilder value = new StringBuilder(valueBytes).append(key).append(':');
      while (value.length() < valueBytes) {
        value.append('x');
      }
      tandem.put(Long.toString(key), value.toString());
    }
  }

  @Override
  public @Nullable Object get(long key) {
    return tandem.get(Long.toString(key)).orElse(null);
  }

  @Override
  public void close() {
    tandem.close();
    h2.close();
  }
}
