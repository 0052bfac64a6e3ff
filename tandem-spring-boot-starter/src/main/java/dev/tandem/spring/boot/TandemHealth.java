package dev.tandem.spring.boot;

import dev.tandem.local.LocalTier;
import dev.tandem.redis.NearTier;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * What the health indicators of Boot 3 and Boot 4 report, computed the same way for both: the
 * database (a connection from the data source answers {@link Connection#isValid} within 2 s), and
 * per cache its tier, the Redis circuit (open: reads go to the database and fenced writes are
 * refused) and whether a near tier serves local copies (not serving: every read goes to Redis).
 * DOWN if the database cannot be reached or a Redis circuit is open; a near tier that does not
 * serve is reported but is not DOWN, since reads are still correct, only slower.
 */
final class TandemHealth {

  /** A status and its details. */
  record Report(boolean up, Map<String, Object> details) {}

  private static final int VALID_SECONDS = 2;
  private final TandemCaches caches;

  TandemHealth(TandemCaches caches) {
    this.caches = caches;
  }

  /** Checks the database and every cache built so far. Thread-safe. */
  Report check() {
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = true;
    try (Connection c = caches.dataSource().getConnection()) {
      boolean valid = c.isValid(VALID_SECONDS);
      details.put("database", valid ? "reachable" : "not valid within " + VALID_SECONDS + " s");
      up = valid;
    } catch (Exception e) {
      details.put("database", "unreachable: " + e.getMessage());
      up = false;
    }
    Map<String, Object> perCache = new LinkedHashMap<>();
    for (TandemCaches.Built built : caches.built().values()) {
      Map<String, Object> cache = new LinkedHashMap<>();
      cache.put(
          "tier",
          built.tier() instanceof LocalTier<?, ?>
              ? "local"
              : built.tier() instanceof NearTier<?, ?> ? "near" : "redis");
      DoubleSupplier circuit = built.gauges().get("tandem.redis.circuit.open");
      if (circuit != null) {
        boolean open = circuit.getAsDouble() > 0;
        cache.put("redisCircuit", open ? "open" : "closed");
        up &= !open;
      }
      DoubleSupplier serving = built.gauges().get("tandem.near.serving");
      if (serving != null) {
        cache.put("nearServing", serving.getAsDouble() > 0);
      }
      cache.put("estimatedSize", built.tandem().estimatedSize());
      perCache.put(built.name(), cache);
    }
    details.put("caches", perCache);
    return new Report(up, details);
  }
}
