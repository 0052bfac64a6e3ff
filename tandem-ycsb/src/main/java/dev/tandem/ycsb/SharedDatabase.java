package dev.tandem.ycsb;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.local.LocalTier;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the client threads of one YCSB run share: YCSB makes one binding instance per thread, but
 * they must share one connection pool and, for Tandem, one cache. The first {@link #acquire}
 * creates them (and the table), the last {@link #release} closes them.
 */
final class SharedDatabase {

  private static final Map<String, SharedDatabase> OPEN = new HashMap<>();

  /**
   * Tables prepared in this JVM. YCSB threads init and clean up on their own schedule, so a fast
   * thread may release the last use before a slow one acquires its first: the table is dropped
   * ({@code tandem.recreate}) only the first time, never under rows already written.
   */
  private static final Set<String> PREPARED = new HashSet<>();

  private final String id;
  private final YcsbSettings settings;
  private final HikariDataSource pool;
  private @Nullable Tandem<String, Map<String, String>> tandem;
  private int users;

  private SharedDatabase(String id, YcsbSettings settings, HikariDataSource pool) {
    this.id = id;
    this.settings = settings;
    this.pool = pool;
  }

  /**
   * Returns the shared database of {@code settings}, opening it (and preparing the table) on first
   * use; each call must be matched by one {@link #release}.
   */
  static synchronized SharedDatabase acquire(YcsbSettings settings) throws SQLException {
    String id = settings.url() + " " + settings.table();
    SharedDatabase shared = OPEN.get(id);
    if (shared == null) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(settings.url());
      if (settings.user() != null) {
        config.setUsername(settings.user());
      }
      if (settings.password() != null) {
        config.setPassword(settings.password());
      }
      config.setPoolName("tandem-ycsb");
      config.setMaximumPoolSize(settings.threads() + 2);
      config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
      HikariDataSource pool = new HikariDataSource(config);
      try {
        UsertableSchema.prepare(pool, settings, settings.recreate() && PREPARED.add(id));
      } catch (SQLException | RuntimeException e) {
        pool.close();
        throw e;
      }
      shared = new SharedDatabase(id, settings, pool);
      OPEN.put(id, shared);
    }
    shared.users++;
    return shared;
  }

  /** Returns the pool. */
  HikariDataSource pool() {
    return pool;
  }

  /**
   * Returns the Tandem over the table, created on first use with a local tier of {@code
   * tandem.cachesize}.
   */
  synchronized Tandem<String, Map<String, String>> tandem() {
    if (tandem == null) {
      JdbcStore<String, Map<String, String>> store =
          JdbcStore.<String, Map<String, String>>builder()
              .dataSource(pool)
              .table(settings.table())
              .keyColumn(UsertableSchema.KEY, String.class)
              .rowMapper(new RecordMapper(settings.fields()))
              .build();
      tandem =
          Tandem.builder(store)
              .name("ycsb")
              .cacheTier(
                  LocalTier.<String, Map<String, String>>builder()
                      .maximumSize(settings.cacheSize())
                      .build())
              .maxConcurrentBatches(settings.batches())
              .build();
    }
    return tandem;
  }

  /** Gives back one use; the last one closes the Tandem and the pool. */
  void release() {
    synchronized (SharedDatabase.class) {
      if (--users > 0) {
        return;
      }
      OPEN.entrySet().removeIf((Entry<String, SharedDatabase> e) -> e.getKey().equals(id));
    }
    synchronized (this) {
      if (tandem != null) {
        tandem.close();
        tandem = null;
      }
    }
    pool.close();
  }
}
