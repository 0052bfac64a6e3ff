package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.local.LocalTier;
import org.junit.jupiter.api.Test;

/**
 * Building a Tandem binds its tier to the store's identity, so a shared tier can refuse another
 * store's entries.
 */
class TierBindingTest {

  private final MemoryStore<String, String> store = new MemoryStore<>();
  private final HookedTier<String, String> tier =
      new HookedTier<>(LocalTier.<String, String>builder().maximumSize(10).build());

  @Test
  void aStoreWithAnIdentityBindsTheTier() {
    store.identity = "db.public.flights";
    Tandem.builder(store).cacheTier(tier).build().close();
    assertThat(tier.boundTo).containsExactly("db.public.flights");
  }

  @Test
  void aStoreWithoutOneLeavesTheTierUnbound() {
    Tandem.builder(store).cacheTier(tier).build().close();
    assertThat(tier.boundTo).isEmpty();
  }
}
