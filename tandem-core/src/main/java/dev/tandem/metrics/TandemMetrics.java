package dev.tandem.metrics;

import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.TierMeters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Registers a {@link Tandem}'s meters. Used by {@link Tandem.Builder#meterRegistry}; counters are
 * read from {@link Tandem#stats()} when the registry publishes, so the hit path pays nothing extra.
 */
public final class TandemMetrics {

  private TandemMetrics() {}

  /**
   * Registers the meters of {@code tandem} under the tag {@code cache=name}.
   *
   * @return the recorder of write latencies in nanoseconds, to call once per committed write call
   */
  public static LongConsumer bind(Tandem<?, ?> tandem, MeterRegistry registry, String name) {
    Tags tags = Tags.of("cache", name);
    counter(registry, "tandem.gets", tags.and("result", "hit"), tandem, Stats::hitCount, "reads answered by the cache");
    counter(registry, "tandem.gets", tags.and("result", "miss"), tandem, Stats::missCount, "reads that went to the database");
    counter(registry, "tandem.loads", tags, tandem, Stats::loadCount, "database loads for misses");
    counter(registry, "tandem.load.failures", tags, tandem, Stats::loadFailureCount, "database loads that failed");
    counter(registry, "tandem.writes", tags, tandem, Stats::writeCount, "keys written and committed");
    counter(registry, "tandem.write.failures", tags, tandem, Stats::writeFailureCount, "writes not committed or of unknown outcome");
    counter(registry, "tandem.write.outcome.unknown", tags, tandem, Stats::outcomeUnknownCount, "writes whose commit outcome was unknown");
    counter(registry, "tandem.write.retries", tags, tandem, Stats::retryCount, "transactions retried after a passing failure");
    counter(registry, "tandem.tier.failures", tags, tandem, Stats::tierFailureCount, "cache tier calls that failed");
    counter(registry, "tandem.evictions", tags, tandem, Stats::evictionCount, "entries evicted for size or expiry");
    Gauge.builder("tandem.size", tandem, Tandem::estimatedSize).tags(tags)
        .description("approximate number of cached entries").register(registry);
    Timer timer = Timer.builder("tandem.write.latency").tags(tags)
        .description("latency of committed write calls, lock wait included")
        .publishPercentileHistogram().register(registry);
    return nanos -> timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Registers the meters that {@code tier} reports through {@link CacheTier#registerMeters} (a
   * Redis tier's circuit, a near tier's L1), under the tag {@code cache=name}. {@link
   * Tandem.Builder#meterRegistry} calls it for the Tandem's tier.
   */
  public static void bindTier(CacheTier<?, ?> tier, MeterRegistry registry, String name) {
    Tags tags = Tags.of("cache", name);
    tier.registerMeters(new TierMeters() {
      @Override
      public void counter(String meter, String description, LongSupplier count) {
        // the tier is the meter's (weakly held) state; the Tandem over it keeps it alive
        FunctionCounter.builder(meter, tier, t -> count.getAsLong()).tags(tags).description(description)
            .register(registry);
      }

      @Override
      public void gauge(String meter, String description, DoubleSupplier value) {
        Gauge.builder(meter, tier, t -> value.getAsDouble()).tags(tags).description(description).register(registry);
      }
    });
  }

  private static void counter(MeterRegistry registry, String name, Tags tags, Tandem<?, ?> tandem,
      ToLongFunction<Stats> read, String description) {
    FunctionCounter.builder(name, tandem, t -> read.applyAsLong(t.stats())).tags(tags)
        .description(description).register(registry);
  }
}
