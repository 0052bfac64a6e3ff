package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Builder validation: loud, naming the setting, before any connection. */
class RedisTierBuilderTest {

  @Test
  void needsAServer() {
    assertThatThrownBy(() -> RedisTier.builder(Codec.string()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a Redis tier needs a server: set uri, client or clusterUri");
  }

  @Test
  void settingsCanBeMadeOnce() {
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .uri("redis://localhost:1")
                    .uri("redis://localhost:2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("uri was already set to localhost:1");
    assertThatThrownBy(() -> RedisTier.builder(Codec.string()).keyPrefix("a:").keyPrefix("b:"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("key prefix was already set to a:");
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .timeToLive(Duration.ofSeconds(1))
                    .timeToLive(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set");
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .commandTimeout(Duration.ofSeconds(1))
                    .commandTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("command timeout was already set to PT1S");
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .connectTimeout(Duration.ofSeconds(1))
                    .connectTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("connect timeout was already set to PT1S");
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .absenceTimeToLive(Duration.ofSeconds(1))
                    .absenceTimeToLive(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("absence time to live was already set to PT1S");
    assertThatThrownBy(
            () -> RedisTier.builder(Codec.string()).absenceTimeToLive(Duration.ofNanos(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absence time to live must be at least 1 ms");
    assertThatThrownBy(() -> RedisTier.builder(Codec.string()).connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("connect timeout must be at least 1 ms but was PT0S");
  }

  @Test
  void availableNeedsAJournalAndAJournalNeedsAvailable() {
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .uri("redis://localhost:1")
                    .writePolicy(WritePolicy.AVAILABLE)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("write policy AVAILABLE needs a repair journal");
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .uri("redis://localhost:1")
                    .repairJournal(Path.of("journal"))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a repair journal is only used by write policy AVAILABLE");
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .writePolicy(WritePolicy.STRICT)
                    .writePolicy(WritePolicy.AVAILABLE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("write policy was already set to STRICT");
    assertThatThrownBy(
            () ->
                RedisTier.builder(Codec.string())
                    .uri("redis://localhost:1")
                    .clusterUri("redis://localhost:2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("uri was already set to localhost:1");
    assertThatThrownBy(() -> RedisTier.builder(Codec.string()).clusterUri())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a cluster needs at least one node URI");
  }

  /**
   * A client that reconnects by itself would carry commands to a restarted server unverified (H9).
   */
  @Test
  void refusesAClientThatReconnectsByItself() {
    RedisClient client = RedisClient.create();
    try {
      assertThatThrownBy(() -> RedisTier.builder(Codec.string()).client(client))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("autoReconnect(false)");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void rejectsBadValues() {
    assertThatThrownBy(() -> RedisTier.builder(Codec.string()).keyPrefix("a{b}:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("braces");
    assertThatThrownBy(() -> RedisTier.builder(Codec.string()).keyPrefix(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-empty");
    assertThatThrownBy(() -> RedisTier.builder(Codec.string()).timeToLive(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("time to live must be at least 1 ms but was PT0S");
    assertThatThrownBy(
            () -> RedisTier.builder(Codec.string()).writeFenceTimeout(Duration.ofNanos(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("write fence timeout");
    assertThatThrownBy(() -> RedisTier.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("codec");
    assertThatThrownBy(() -> RedisTier.builder(Codec.string()).ticker(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("ticker");
  }
}
