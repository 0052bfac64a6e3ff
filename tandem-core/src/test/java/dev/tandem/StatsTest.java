package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the counters count, as {@link Stats} documents it. */
class StatsTest {

  @Test
  void aMissIsAReadTheCacheDidNotAnswerAndALoadIsADatabaseRead() {
    MemoryStore<String, String> store = new MemoryStore<>();
    try (Tandem<String, String> tandem = Tandem.builder(store).recordStats().build()) {
      tandem.getIfCached("a"); // a miss, no load
      tandem.get("a"); // a miss and a load (of an absence, now cached)
      tandem.get("a"); // a hit
      Stats stats = tandem.stats();
      assertThat(stats.missCount()).isEqualTo(2);
      assertThat(stats.loadCount()).isEqualTo(1);
      assertThat(stats.hitCount()).isEqualTo(1);
      assertThat(store.loads.get()).isEqualTo(1);
    }
  }
}
