package dev.tandem.bench.impl;

/**
 * Where the put benchmark writes: one adapter per compared system, each over its own fresh table.
 */
public interface PutTarget extends AutoCloseable {

  /** Writes {@code value} under {@code key} and returns once it is committed. */
  void put(String key, String value);

  /** Releases the adapter's pool; the database stays up. */
  @Override
  void close();

  /**
   * Creates the adapter named by the benchmark's {@code @Param}: {@code raw-jdbc} (one upsert,
   * auto-commit), {@code raw-jdbc-tx} (the same upsert in an explicit transaction, then commit) or
   * {@code tandem} ({@code Tandem.put} over a {@code JdbcStore}) or {@code tandem-autocommit} (the
   * same with {@code JdbcStore.Builder.autoCommitSingleWrites}: a lone put is one auto-committed
   * statement on PostgreSQL; no difference on H2).
   */
  static PutTarget named(String system, BenchDatabase db) {
    return switch (system) {
      case "raw-jdbc" -> new RawJdbcPut(db, true);
      case "raw-jdbc-tx" -> new RawJdbcPut(db, false);
      case "tandem" -> new TandemPut(db, false);
      case "tandem-autocommit" -> new TandemPut(db, true);
      default -> throw new IllegalArgumentException("unknown system " + system);
    };
  }
}
