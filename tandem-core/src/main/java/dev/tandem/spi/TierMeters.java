package dev.tandem.spi;

import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Where a cache tier registers meters of its own, beside the engine's: {@link
 * dev.tandem.Tandem.Builder#meterRegistry} hands one to {@link CacheTier#registerMeters} once, and
 * registers each meter in its registry with the cache's tags. The suppliers are read when the
 * registry publishes, never on a read or write, so a tier pays nothing for them on its hot paths.
 * Names are dotted, as in Micrometer ({@code tandem.near.lapses}); give each a description.
 */
public interface TierMeters {

  /**
   * Registers a count that only grows (events since the tier was built).
   *
   * @param name the meter's name, e.g. {@code tandem.redis.circuit.opens}
   * @param description what one count is
   * @param count reads the count; called on the registry's thread
   */
  void counter(String name, String description, LongSupplier count);

  /**
   * Registers a value that may go up and down (a state or a size).
   *
   * @param name the meter's name, e.g. {@code tandem.near.serving}
   * @param description what the value is, and its unit
   * @param value reads the value; called on the registry's thread
   */
  void gauge(String name, String description, DoubleSupplier value);
}
