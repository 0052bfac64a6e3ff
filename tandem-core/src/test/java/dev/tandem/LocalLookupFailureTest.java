package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.local.LocalTier;
import org.junit.jupiter.api.Test;

/** A tier whose local lookup fails costs a database read, as any tier failure on the read path. */
class LocalLookupFailureTest {

  @Test
  void aFailingLocalLookupReadsTheDatabaseAndCountsATierFailure() {
    HookedTier<String, String> tier =
        new HookedTier<>(
            LocalTier.<String, String>builder().maximumSize(10).executor(Runnable::run).build());
    MemoryStore<String, String> store = new MemoryStore<>();
    try (Tandem<String, String> tandem =
        Tandem.builder(store).cacheTier(tier).recordStats().build()) {
      tandem.put("k", "v");
      tier.localLookupFailure = new IllegalStateException("a ticker that throws");
      assertThat(tandem.get("k")).contains("v");
      assertThat(tandem.getIfCached("k")).isEmpty();
      assertThat(tandem.stats().tierFailureCount()).isEqualTo(2);
    }
  }
}
