package dev.tandem.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.bench.impl.BenchDatabase;
import dev.tandem.bench.impl.UnfencedTier;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.jdbc.RowMapper;
import dev.tandem.jdbc.ValueType;
import dev.tandem.redis.Codec;
import dev.tandem.redis.RedisTier;
import dev.tandem.spi.CacheTier;
import dev.tandem.testkit.server.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of {@code STRICT}: puts from 64 threads spread over 3 Tandem nodes (each its own
 * engine, connection pool and {@link RedisTier}) sharing one PostgreSQL and one Redis, both private
 * servers started by the trial. {@code strict} is the Redis tier as it is, which fences the key in
 * Redis before each database write (one more Redis round trip per write); {@code unfenced} is the
 * same tier with that fence removed ({@link UnfencedTier}, unsafe: for the comparison only). Puts
 * go to 10,000 keys at random.
 *
 * <pre>java -jar tandem-bench/target/benchmarks.jar FenceBenchmark -jvm build/unprivileged/bin/java
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(1)
@Threads(64)
public class FenceBenchmark {
  private static final int KEYS = 10_000;
  private static final int NODES = 3;

  @Param({"strict", "unfenced"})
  public String tier = "strict";

  /** Connections per node. */
  @Param({"4"})
  public int poolSize = 4;

  /** fsync of the PostgreSQL server: on (as production runs) or off ({@code -p fsync=off}). */
  @Param({"on"})
  public String fsync = "on";

  private @Nullable BenchDatabase db;
  private @Nullable RedisServer redis;
  private final List<HikariDataSource> pools = new ArrayList<>();
  private final List<Tandem<String, String>> nodes = new ArrayList<>();
  private final AtomicInteger threads = new AtomicInteger();

  /** A writer thread: the node it writes through and its random keys. */
  @State(Scope.Thread)
  public static class Writer {
    @Nullable Tandem<String, String> node;
    SplittableRandom random = new SplittableRandom();

    @Setup(Level.Trial)
    public void pickNode(FenceBenchmark bench) {
      int index = bench.threads.getAndIncrement();
      node = bench.nodes.get(index % NODES);
      random = new SplittableRandom(index);
    }
  }

  @Setup(Level.Trial)
  public void start() {
    db = BenchDatabase.start("postgres", fsync);
    redis = RedisServer.start();
    String table = db.newTableName("fence");
    JdbcSchema.createKeyValueTable(db.unpooled(), table, ValueType.TEXT);
    for (int n = 0; n < NODES; n++) {
      HikariDataSource pool = db.pool(poolSize);
      pools.add(pool);
      JdbcStore<String, String> store =
          JdbcStore.<String, String>builder()
              .dataSource(pool)
              .table(table)
              .keyColumn("key", String.class)
              .rowMapper(RowMapper.text("value"))
              .build();
      RedisTier<String, String> shared =
          RedisTier.<String, String>builder(Codec.string())
              .uri(redis.uri())
              .keyPrefix("fence:")
              .build();
      CacheTier<String, String> used =
          tier.equals("unfenced") ? new UnfencedTier<>(shared) : shared;
      nodes.add(Tandem.builder(store).cacheTier(used).name("node-" + n).build());
    }
  }

  @TearDown(Level.Trial)
  public void stop() {
    try {
      nodes.forEach(Tandem::close);
      pools.forEach(HikariDataSource::close);
    } finally {
      if (redis != null) {
        redis.close();
      }
      if (db != null) {
        db.close();
      }
    }
  }

  @Benchmark
  public long put(Writer writer) {
    int key = writer.random.nextInt(KEYS);
    return java.util.Objects.requireNonNull(writer.node).put("key-" + key, "value-" + key);
  }
}
