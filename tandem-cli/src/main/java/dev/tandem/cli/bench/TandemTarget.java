package dev.tandem.cli.bench;

import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.CacheTier;
import org.jspecify.annotations.Nullable;

/**
 * Tandem with a cache tier (local, Redis or near) over the bench table, counting hits ({@code
 * recordStats}).
 */
final class TandemTarget implements BenchTarget {

  private final Tandem<String, String> tandem;

  TandemTarget(JdbcStore<String, String> store, CacheTier<String, String> tier) {
    this.tandem = Tandem.builder(store).name("bench").cacheTier(tier).recordStats().build();
  }

  @Override
  public @Nullable String read(String key) {
    return tandem.get(key).orElse(null);
  }

  @Override
  public void write(String key, String value) {
    tandem.put(key, value);
  }

  @Override
  public CacheCounts cacheCounts() {
    Stats stats = tandem.stats();
    return new CacheCounts(stats.hitCount(), stats.missCount());
  }

  @Override
  public void close() {
    tandem.close();
  }
}
