package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.RedisServer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A read on node B joins a load of node B that read the database before a write on node A
 * committed; A's write returned and its entry was evicted in between. The reader started after A's
 * write returned, so it must see A's write.
 */
class RemoteWriteDuringLoadIT {

  /** A store whose next load, once armed, waits after reading the database. */
  static final class PausingStore implements Store<String, Long> {
    final Store<String, Long> delegate;
    final AtomicBoolean armed = new AtomicBoolean();
    final CountDownLatch loaded = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    PausingStore(Store<String, Long> delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<Versioned<Long>> load(String key) {
      Optional<Versioned<Long>> result = delegate.load(key);
      if (armed.compareAndSet(true, false)) {
        loaded.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return result;
    }

    @Override
    public Map<String, Versioned<Long>> loadAll(Collection<? extends String> keys) {
      return delegate.loadAll(keys);
    }

    @Override
    public StoreTransaction<String, Long> begin() {
      return delegate.begin();
    }
  }

  @Test
  void readerThatStartsAfterRemoteWriteDoesNotJoinOlderLoad() throws Exception {
    try (H2Database h2 = H2Database.inMemory()) {
      DataSource ds = h2.dataSource();
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE kv (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
      }
      JdbcSchema.addVersionColumn(ds, "kv", "tandem_version");
      JdbcStore<String, Long> store =
          JdbcStore.<String, Long>builder()
              .dataSource(ds)
              .table("kv")
              .keyColumn("k", String.class)
              .rowMapper(new LongColumn("v"))
              .build();
      PausingStore pausing = new PausingStore(store);
      String prefix = "join-" + System.nanoTime() + ":";
      Epochs.trust(RedisServer.shared().uri(), prefix);
      try (Tandem<String, Long> a =
              Tandem.builder(store)
                  .cacheTier(
                      RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
                          .uri(RedisServer.shared().uri())
                          .keyPrefix(prefix)
                          .build())
                  .build();
          Tandem<String, Long> b =
              Tandem.builder((Store<String, Long>) pausing)
                  .cacheTier(
                      RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
                          .uri(RedisServer.shared().uri())
                          .keyPrefix(prefix)
                          .build())
                  .build()) {
        a.put("k", 1L);
        a.invalidate("k");
        pausing.armed.set(true);
        CompletableFuture<Optional<Long>> first = CompletableFuture.supplyAsync(() -> b.get("k"));
        assertThat(pausing.loaded.await(10, TimeUnit.SECONDS))
            .isTrue(); // B's load read 1 and waits
        a.put("k", 2L);
        a.invalidate("k"); // the entry expires or is evicted
        CompletableFuture<Optional<Long>> second = CompletableFuture.supplyAsync(() -> b.get("k"));
        try {
          Optional<Long> early = second.get(2, TimeUnit.SECONDS);
          assertThat(early).contains(2L);
        } catch (java.util.concurrent.TimeoutException joined) {
          pausing.release.countDown();
          assertThat(second.get(10, TimeUnit.SECONDS))
              .as("the read joined a load older than A's write")
              .contains(2L);
        } finally {
          pausing.release.countDown();
          first.get(10, TimeUnit.SECONDS);
        }
      }
    }
  }
}
