package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.Tandem;
import dev.tandem.local.LocalTier;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The money transfer of the seed documents as a multi-key {@link Tandem#transaction}: concurrent
 * transfers between few accounts keep the total constant in the database and, after quiescence, in
 * every cache; the rule "balance never negative" holds without lost updates (race H7). On
 * PostgreSQL two Tandems (two nodes) transfer over the same table at once.
 */
class TransferIT {

  private static final RowMapper<Long> BALANCE = new LongColumn("balance");

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void concurrentTransfersKeepTheTotal(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("account");
    db.execute(
        "CREATE TABLE "
            + table
            + " (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0))");
    JdbcSchema.addVersionColumn(db.dataSource(), table, "tandem_version");
    int nodes = db == TestDatabase.POSTGRESQL ? 2 : 1;
    List<Tandem<Long, Long>> caches = new ArrayList<>();
    for (int n = 0; n < nodes; n++) {
      JdbcStore<Long, Long> store =
          JdbcStore.<Long, Long>builder()
              .dataSource(db.dataSource())
              .table(table)
              .keyColumn("id", Long.class)
              .rowMapper(BALANCE)
              .build();
      caches.add(
          Tandem.builder(store)
              .cacheTier(LocalTier.<Long, Long>builder().maximumSize(100).build())
              .build());
    }
    int accounts = 6;
    long initial = 1_000;
    for (long id = 0; id < accounts; id++) {
      caches.get(0).put(id, initial);
    }
    long seed = System.nanoTime();
    System.out.println("TransferIT seed=" + seed + " on " + db);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Tandem<Long, Long> cache = caches.get(t % nodes);
        SplittableRandom random = new SplittableRandom(seed + t);
        workers.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 150; i++) {
                    long from = random.nextInt(accounts);
                    long to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                    long amount = 1 + random.nextInt(400);
                    cache.transaction(
                        tx -> {
                          long balance = tx.get(from).orElseThrow();
                          if (balance < amount) {
                            return false;
                          }
                          tx.put(from, balance - amount);
                          tx.put(to, tx.get(to).orElseThrow() + amount);
                          return true;
                        });
                    cache.get(to); // reads interleave with the transfers
                  }
                  return null;
                }));
      }
      for (Future<?> w : workers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(db.queryInt("SELECT CAST(SUM(balance) AS INT) FROM " + table))
        .isEqualTo(accounts * initial);
    assertThat(db.queryInt("SELECT COUNT(*) FROM " + table + " WHERE balance < 0")).isZero();
    if (nodes == 1) { // with one node, what it serves must equal the database, key by key
      Tandem<Long, Long> only = caches.get(0);
      for (long id = 0; id < accounts; id++) {
        assertThat(only.get(id).orElseThrow())
            .isEqualTo(
                db.queryInt("SELECT CAST(balance AS INT) FROM " + table + " WHERE id = ?", id));
      }
    }
    // A local tier sees only its own node's writes (the shared tier is for several nodes), so with
    // two nodes each is compared after dropping its copies.
    for (Tandem<Long, Long> cache : caches) {
      cache.invalidateAll();
      long total = 0;
      for (long id = 0; id < accounts; id++) {
        total += cache.get(id).orElseThrow();
      }
      assertThat(total).isEqualTo(accounts * initial);
    }
    caches.forEach(Tandem::close);
  }
}
