package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * The builder's timeouts refuse bad values and combinations with a message naming the setting,
 * before any connection is made.
 */
class TimeoutSettingsTest {

  private static JdbcStore.Builder<String, String> builder() {
    return JdbcStore.<String, String>builder()
        .table("kv")
        .keyColumn("key", String.class)
        .rowMapper(RowMapper.text("value"));
  }

  @Test
  void badValuesAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> builder().socketTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("socketTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> builder().lockTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("lockTimeout must be positive");
    assertThatThrownBy(() -> builder().statementTimeout(Duration.ofNanos(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("statementTimeout must be at least 1 ms");
    assertThatThrownBy(() -> builder().connectTimeout(Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connectTimeout must be whole seconds");
    assertThatThrownBy(() -> builder().acquireTimeout(Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acquireTimeout must be at least 250 ms");
    assertThatThrownBy(() -> builder().socketTimeout(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("socketTimeout");
  }

  @Test
  void eachTimeoutIsSetOnce() {
    JdbcStore.Builder<String, String> builder =
        builder().lockTimeout(Duration.ofSeconds(1)).socketTimeout(Duration.ofSeconds(9));
    assertThatThrownBy(() -> builder.lockTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("lock timeout was already set to PT1S");
    assertThatThrownBy(() -> builder.socketTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("socket timeout was already set to PT9S");
  }

  @Test
  void timeoutsMustBeOrderedLockStatementSocket() {
    assertThatThrownBy(
            () ->
                builder()
                    .jdbcUrl("jdbc:h2:mem:x", null, null)
                    .lockTimeout(Duration.ofSeconds(4))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("lockTimeout (PT4S) must be shorter than statementTimeout (PT4S)");
    assertThatThrownBy(
            () ->
                builder()
                    .jdbcUrl("jdbc:h2:mem:x", null, null)
                    .statementTimeout(Duration.ofSeconds(5))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "statementTimeout (PT5S) must be shorter than socketTimeout (PT5S)");
  }

  @Test
  void poolSettingsAreRefusedWithAnApplicationsDataSource() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:never_opened");
    assertThatThrownBy(() -> builder().dataSource(ds).acquireTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("acquireTimeout applies to the pool made for jdbcUrl");
    assertThatThrownBy(() -> builder().dataSource(ds).lockTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("lockTimeout applies to the pool made for jdbcUrl");
  }
}
