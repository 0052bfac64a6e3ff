package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.RetryPolicy;
import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.RetryableException;
import dev.tandem.testkit.server.PostgresServer;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A stopped database server: no connection can be had, which is retryable (nothing was sent);
 * Tandem retries, then reports a StoreException and leaves the cache alone; once the server is
 * back, writes work again.
 */
class ServerDownIT {

  @Test
  void writesFailAfterRetriesWhileTheServerIsDownAndWorkAgainAfterItRestarted() {
    try (PostgresServer server = PostgresServer.start()) {
      DataSource unpooled = server.createDatabase("server_down");
      JdbcStore<String, String> direct = KeyValue.create(unpooled, "kv");
      try (HikariDataSource pool = KeyValue.pool(unpooled, 2, null, Duration.ofSeconds(1));
          Tandem<String, String> tandem = Tandem.builder(KeyValue.store(pool, "kv"))
              .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5))).build()) {
        long before = tandem.put("k", "before");

        server.stop();

        assertThatThrownBy(() -> tandem.put("k", "during"))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("put of key k failed in the store")
            .hasCauseInstanceOf(RetryableException.class);
        assertThat(tandem.stats().retryCount()).isEqualTo(3);
        assertThat(tandem.stats().writeFailureCount()).isEqualTo(1);
        assertThat(tandem.getIfCached("k")).contains("before");
        assertThatThrownBy(direct::begin)
            .isInstanceOf(RetryableException.class)
            .satisfies(e -> assertThat(((JdbcStoreException) e.getCause()).sqlState()).isEqualTo("08001"));

        server.restart();

        long after = tandem.put("k", "after");
        assertThat(after).isGreaterThan(before);
        assertThat(direct.load("k")).contains(new Versioned<>("after", after));
        assertThat(tandem.get("k")).contains("after");
      }
    }
  }
}
