package dev.tandem;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.TierMeters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Tandem}'s meters in a Micrometer registry: the engine's and its cache tier's ({@link
 * CacheTier#registerMeters}), tagged {@code cache=<name>}. Made by {@link
 * Tandem.Builder#meterRegistry}; counters and gauges are read when the registry publishes, so the
 * hit path pays nothing extra. Closing the Tandem closes its binding, which removes its meters, so
 * that a Tandem built again under the same name publishes its own.
 */
public final class TandemMetrics implements AutoCloseable {

  private final MeterRegistry registry;
  private final Tags tags;
  private final List<Meter> meters = new ArrayList<>();
  private final Timer writeLatency;

  private TandemMetrics(MeterRegistry registry, String name) {
    this.registry = registry;
    this.tags = Tags.of("cache", name);
    this.writeLatency =
        add(
            Timer.builder("tandem.write.latency")
                .tags(tags)
                .description("latency of committed write calls, lock wait included")
                .publishPercentileHistogram()
                .register(registry));
  }

  /**
   * Registers the meters of {@code tandem} and of its {@code tier} under the tag {@code
   * cache=name}.
   *
   * @throws IllegalStateException if a Tandem of that name already publishes to {@code registry}:
   *     its meters would silently stand in for this one's
   */
  static TandemMetrics bind(
      Tandem<?, ?> tandem, CacheTier<?, ?> tier, MeterRegistry registry, String name) {
    if (registry.find("tandem.gets").tag("cache", name).meter() != null) {
      throw new IllegalStateException(
          "a Tandem named '"
              + name
              + "' already publishes to this meter registry;"
              + " give each Tandem its own name (Tandem.Builder#name), or close the other first");
    }
    TandemMetrics metrics = new TandemMetrics(registry, name);
    metrics.counter("tandem.gets", "hit", tandem, Stats::hitCount, "reads answered by the cache");
    metrics.counter(
        "tandem.gets", "miss", tandem, Stats::missCount, "reads that went to the database");
    metrics.counter("tandem.loads", null, tandem, Stats::loadCount, "database loads for misses");
    metrics.counter(
        "tandem.load.failures",
        null,
        tandem,
        Stats::loadFailureCount,
        "database loads that failed");
    metrics.counter("tandem.writes", null, tandem, Stats::writeCount, "keys written and committed");
    metrics.counter(
        "tandem.write.failures",
        null,
        tandem,
        Stats::writeFailureCount,
        "writes not committed or of unknown outcome");
    metrics.counter(
        "tandem.write.outcome.unknown",
        null,
        tandem,
        Stats::outcomeUnknownCount,
        "writes whose commit outcome was unknown");
    metrics.counter(
        "tandem.write.retries",
        null,
        tandem,
        Stats::retryCount,
        "transactions retried after a passing failure");
    metrics.counter(
        "tandem.tier.failures",
        null,
        tandem,
        Stats::tierFailureCount,
        "cache tier calls that failed");
    metrics.counter(
        "tandem.evictions",
        null,
        tandem,
        Stats::evictionCount,
        "entries evicted for size or expiry");
    metrics.add(
        Gauge.builder("tandem.size", tandem, Tandem::estimatedSize)
            .tags(metrics.tags)
            .description("approximate number of cached entries")
            .register(registry));
    tier.registerMeters(metrics.new ForTier(tier));
    return metrics;
  }

  /** Records the latency of one committed write call. */
  void recordWrite(long nanos) {
    writeLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Removes every meter this binding registered; idempotent. */
  @Override
  public void close() {
    synchronized (meters) {
      meters.forEach(registry::remove);
      meters.clear();
    }
  }

  private <M extends Meter> M add(M meter) {
    synchronized (meters) {
      meters.add(meter);
    }
    return meter;
  }

  private void counter(
      String name,
      @Nullable String result,
      Tandem<?, ?> tandem,
      ToLongFunction<Stats> read,
      String description) {
    add(
        FunctionCounter.builder(name, tandem, t -> read.applyAsLong(t.stats()))
            .tags(result == null ? tags : tags.and("result", result))
            .description(description)
            .register(registry));
  }

  /**
   * Registers a tier's meters, with the tier as the state object that Micrometer holds weakly: the
   * Tandem keeps it alive, and the suppliers are held by the meters until {@link #close} removes
   * them.
   */
  private final class ForTier implements TierMeters {
    private final CacheTier<?, ?> tier;

    ForTier(CacheTier<?, ?> tier) {
      this.tier = tier;
    }

    @Override
    public void counter(String name, String description, LongSupplier count) {
      add(
          FunctionCounter.builder(name, tier, t -> count.getAsLong())
              .tags(tags)
              .description(description)
              .register(registry));
    }

    @Override
    public void gauge(String name, String description, DoubleSupplier value) {
      add(
          Gauge.builder(name, tier, t -> value.getAsDouble())
              .tags(tags)
              .description(description)
              .register(registry));
    }
  }
}
