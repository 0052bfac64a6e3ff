package dev.tandem.verify;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Verifier}'s meters; the only class of the package that touches Micrometer, loaded only
 * when a registry was set, so that micrometer-core stays an optional dependency.
 */
final class VerifyMeters {

  private final Counter checked;
  private final Map<Mismatch.Kind, Counter> stale = new EnumMap<>(Mismatch.Kind.class);
  private final Counter changing;
  private final Counter repaired;
  private final Timer runs;
  private final AtomicLong lastStale = new AtomicLong();

  private VerifyMeters(MeterRegistry registry, Tags tags) {
    checked =
        Counter.builder("tandem.verify.checked")
            .tags(tags)
            .description("keys examined by verify runs")
            .register(registry);
    for (Mismatch.Kind kind : Mismatch.Kind.values()) {
      stale.put(
          kind,
          Counter.builder("tandem.verify.stale")
              .tags(tags.and("kind", kind.name().toLowerCase(Locale.ROOT)))
              .description("cached entries found to differ from the database, on both looks")
              .register(registry));
    }
    changing =
        Counter.builder("tandem.verify.changing")
            .tags(tags)
            .description(
                "suspected differences that did not persist to the re-check (writes in flight)")
            .register(registry);
    repaired =
        Counter.builder("tandem.verify.repaired")
            .tags(tags)
            .description("differing cached entries invalidated by verify")
            .register(registry);
    runs =
        Timer.builder("tandem.verify.runs")
            .tags(tags)
            .description("duration of verify runs")
            .register(registry);
    Gauge.builder("tandem.verify.last.stale", lastStale, AtomicLong::get)
        .tags(tags)
        .description("differences found by the latest verify run")
        .register(registry);
  }

  /** Registers the meters of a verifier named {@code name} (the {@code cache} tag). */
  static VerifyMeters register(MeterRegistry registry, String name) {
    return new VerifyMeters(registry, Tags.of("cache", name));
  }

  /** Adds what one run found. */
  void record(VerifyReport<?, ?> report) {
    checked.increment(report.checked());
    for (Mismatch<?, ?> mismatch : report.mismatches()) {
      requireNonNull(stale.get(mismatch.kind()))
          .increment(); // the constructor registers every kind
    }
    changing.increment(report.changing());
    repaired.increment(report.repaired());
    runs.record(report.duration());
    lastStale.set(report.mismatches().size());
  }
}
