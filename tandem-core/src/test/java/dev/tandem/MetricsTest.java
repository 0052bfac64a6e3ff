package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.local.LocalTier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The Micrometer meters and {@link Tandem#stats()} report the same counts. */
class MetricsTest {

  @Test
  void metersFollowStats() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MemoryStore<String, String> store = new MemoryStore<>();
    long[] now = {0};
    try (Tandem<String, String> tandem =
        Tandem.builder(store)
            .cacheTier(
                LocalTier.<String, String>builder().maximumSize(1).executor(Runnable::run).build())
            .meterRegistry(registry)
            .name("flights")
            .ticker(() -> now[0] += 1_000)
            .build()) {
      tandem.put("a", "1"); // write
      tandem.get("a"); // hit
      tandem.put("b", "2"); // write; evicts a (size 1)
      tandem.get("a"); // miss + load
      tandem.get("zzz"); // miss + load (absent)
      store.failNextCommit(MemoryStore.CommitFault.FAIL);
      try {
        tandem.put("c", "3");
      } catch (StoreException expected) {
        // counted as a write failure
      }

      Stats stats = tandem.stats();
      assertThat(stats.hitCount()).isEqualTo(1);
      assertThat(stats.missCount()).isEqualTo(2);
      assertThat(stats.loadCount()).isEqualTo(2);
      assertThat(stats.writeCount()).isEqualTo(2);
      assertThat(stats.writeFailureCount()).isEqualTo(1);
      assertThat(stats.evictionCount()).isGreaterThanOrEqualTo(1);
      assertThat(stats.averageWriteNanos()).isEqualTo(1_000);
      assertThat(stats.hitRate()).isEqualTo(1.0 / 3);

      assertThat(
              registry
                  .get("tandem.gets")
                  .tag("cache", "flights")
                  .tag("result", "hit")
                  .functionCounter()
                  .count())
          .isEqualTo(1);
      assertThat(registry.get("tandem.gets").tag("result", "miss").functionCounter().count())
          .isEqualTo(2);
      assertThat(registry.get("tandem.loads").functionCounter().count()).isEqualTo(2);
      assertThat(registry.get("tandem.writes").functionCounter().count()).isEqualTo(2);
      assertThat(registry.get("tandem.write.failures").functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("tandem.evictions").functionCounter().count())
          .isEqualTo(stats.evictionCount());
      assertThat(registry.get("tandem.write.latency").timer().count()).isEqualTo(2);
      assertThat(registry.get("tandem.size").gauge().value()).isEqualTo(tandem.estimatedSize());
    }
  }

  /**
   * A tier call that fails is counted in {@code tandem.tier.failures}, and the read goes to the
   * database.
   */
  @Test
  void tierFailuresAreCounted() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HookedTier<String, String> tier =
        new HookedTier<>(LocalTier.<String, String>builder().maximumSize(10).build());
    MemoryStore<String, String> store = new MemoryStore<>();
    try (Tandem<String, String> tandem =
        Tandem.builder(store).cacheTier(tier).meterRegistry(registry).name("t").build()) {
      tandem.put("a", "1");
      tier.localLookupFailure = new IllegalStateException("the tier's lookup fails");
      assertThat(tandem.get("a")).as("read from the database").contains("1");
      assertThat(tandem.stats().tierFailureCount()).isEqualTo(1);
      assertThat(registry.get("tandem.tier.failures").tag("cache", "t").functionCounter().count())
          .isEqualTo(1);
    }
  }

  /**
   * A tier's own meters are registered with the engine's, tagged with the cache's name, and read
   * live.
   */
  @Test
  void theTiersOwnMetersAreRegisteredBesideTheEngines() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    long[] failures = {0};
    double[] state = {1};
    HookedTier<String, String> tier =
        new HookedTier<>(LocalTier.<String, String>builder().maximumSize(10).build());
    tier.meters =
        meters -> {
          meters.counter("test.tier.failures", "failures of the test tier", () -> failures[0]);
          meters.gauge("test.tier.state", "state of the test tier", () -> state[0]);
        };
    try (Tandem<String, String> tandem =
        Tandem.builder(new MemoryStore<String, String>())
            .cacheTier(tier)
            .meterRegistry(registry)
            .name("flights")
            .build()) {
      tandem.put("a", "1");
      assertThat(
              registry.get("test.tier.failures").tag("cache", "flights").functionCounter().count())
          .isZero();
      assertThat(registry.get("test.tier.state").tag("cache", "flights").gauge().value())
          .isEqualTo(1);
      failures[0] = 3;
      state[0] = 0;
      assertThat(registry.get("test.tier.failures").functionCounter().count()).isEqualTo(3);
      assertThat(registry.get("test.tier.state").gauge().value()).isZero();
      assertThat(registry.get("test.tier.failures").meter().getId().getDescription())
          .isEqualTo("failures of the test tier");
    }
  }

  /** Without a registry no tier meters are asked for. */
  @Test
  void noRegistryNoTierMeters() {
    boolean[] asked = {false};
    HookedTier<String, String> tier =
        new HookedTier<>(LocalTier.<String, String>builder().maximumSize(10).build());
    tier.meters = meters -> asked[0] = true;
    try (Tandem<String, String> tandem =
        Tandem.builder(new MemoryStore<String, String>()).cacheTier(tier).build()) {
      tandem.put("a", "1");
    }
    assertThat(asked[0]).isFalse();
  }

  /**
   * Two live Tandems of one name cannot share a registry (the second's meters would silently be the
   * first's); closing a Tandem removes its meters, so one built again under that name publishes its
   * own.
   */
  @Test
  void aNameIsPublishedByOneLiveTandemAtATime() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Tandem<String, String> first =
        Tandem.builder(new MemoryStore<String, String>())
            .meterRegistry(registry)
            .name("flights")
            .build();
    first.put("a", "1");
    assertThatThrownBy(
            () ->
                Tandem.builder(new MemoryStore<String, String>())
                    .meterRegistry(registry)
                    .name("flights")
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("a Tandem named 'flights' already publishes to this meter registry");
    first.close();
    assertThat(registry.getMeters()).isEmpty();

    try (Tandem<String, String> second =
        Tandem.builder(new MemoryStore<String, String>())
            .meterRegistry(registry)
            .name("flights")
            .build()) {
      assertThat(registry.get("tandem.writes").functionCounter().count()).isZero();
      second.put("b", "2");
      assertThat(registry.get("tandem.writes").functionCounter().count())
          .as("the second Tandem's count")
          .isEqualTo(1);
    }
  }
}
