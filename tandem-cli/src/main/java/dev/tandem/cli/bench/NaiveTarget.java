package dev.tandem.cli.bench;

import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.naive.NaiveWriteThrough;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The tutorial write-through class from the testkit (write the database, then put in a map; on a
 * miss, load and put). Incorrect under concurrency, which the bench does not check: it measures
 * what the shortcut costs.
 */
final class NaiveTarget implements BenchTarget {

  private final CountingStore<String, String> store;
  private final NaiveWriteThrough<String, String> naive;
  private final LongAdder reads = new LongAdder();

  NaiveTarget(JdbcStore<String, String> store, long cacheSize) {
    this.store = new CountingStore<>(store);
    this.naive = new NaiveWriteThrough<>(this.store, (int) Math.min(Integer.MAX_VALUE, cacheSize));
  }

  @Override
  public @Nullable String read(String key) {
    reads.increment();
    return naive.get(key).orElse(null);
  }

  @Override
  public void write(String key, String value) {
    naive.put(key, value);
  }

  @Override
  public CacheCounts cacheCounts() {
    long loads = store.loads();
    return new CacheCounts(Math.max(0, reads.sum() - loads), loads);
  }

  @Override
  public void close() {
    naive.close();
  }
}
