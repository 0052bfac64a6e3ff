package dev.tandem;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.local.LocalTier;
import org.junit.jupiter.api.Test;

/**
 * An invalidation the tier cannot carry out fails with Tandem's typed exception, not the tier's
 * own.
 */
class InvalidateTierFailureTest {

  @Test
  void invalidationsThatCannotReachTheTierThrowCacheTierUnavailable() {
    HookedTier<String, String> tier =
        new HookedTier<>(
            LocalTier.<String, String>builder().maximumSize(10).executor(Runnable::run).build());
    try (Tandem<String, String> tandem =
        Tandem.builder(new MemoryStore<String, String>()).cacheTier(tier).build()) {
      tier.invalidationFailure = new IllegalStateException("connection refused");
      assertThatThrownBy(() -> tandem.invalidate("k"))
          .isInstanceOf(CacheTierUnavailableException.class)
          .hasMessageContaining("invalidate of key k refused")
          .hasMessageContaining("connection refused");
      assertThatThrownBy(tandem::invalidateAll)
          .isInstanceOf(CacheTierUnavailableException.class)
          .hasMessageContaining("invalidateAll of every key refused");
    }
  }
}
