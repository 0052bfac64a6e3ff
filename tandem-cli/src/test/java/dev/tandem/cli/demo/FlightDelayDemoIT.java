package dev.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.cli.Terminal;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.server.RedisServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's consistency check, shown to fail when the cache (the local tier, or Redis) really is
 * stale.
 */
class FlightDelayDemoIT {

  @TempDir Path dataDir;

  /**
   * The demo reads through one Tandem while its writes go through another one over the same table,
   * like a second application node whose writes this node's local cache never hears of (race H8).
   * Step 4 must then find the cache stale and the demo must exit with 1.
   */
  @Test
  void aCacheThatMissedTheDelayIsReportedInconsistent() throws Exception {
    assertStaleCacheReported(DemoCache.Kind.LOCAL, null);
  }

  /**
   * The demo reads through a Tandem over Redis while its writes go through another Tandem, with a
   * local tier, over the same table: Redis keeps the flight as it was before the delay. Step 4 must
   * find Redis's copy stale, which it can only by reading Redis, and the demo must exit with 1.
   */
  @Test
  void aRedisEntryThatMissedTheDelayIsReportedInconsistent() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      assertStaleCacheReported(DemoCache.Kind.REDIS, redis.uri());
    }
  }

  /**
   * Runs the demo with reads through {@code kind}'s tier and writes elsewhere; asserts step 4 finds
   * the old departure.
   */
  private void assertStaleCacheReported(DemoCache.Kind kind, @Nullable String redisUrl)
      throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:file:" + dataDir.resolve("flights").toAbsolutePath());
    try (HikariDataSource dataSource = new HikariDataSource(config)) {
      FlightsSchema.create(dataSource, FlightsData.generate());
      JdbcStore<Long, Flight> store = DemoCommand.store(dataSource);
      SqlTrace trace = new SqlTrace();
      try (DemoCache cache =
              DemoCache.open(kind, redisUrl, DemoCache.keyPrefix(store), 100, trace, line -> {});
          Tandem<Long, Flight> thisNode =
              Tandem.builder(store).cacheTier(cache.tier()).recordStats().build();
          Tandem<Long, Flight> otherNode = Tandem.builder(store).recordStats().build()) {
        StringWriter out = new StringWriter();
        FlightDelayDemo demo =
            new FlightDelayDemo(
                writesElsewhere(thisNode, otherNode),
                store,
                new FlightQueries(dataSource),
                trace,
                cache,
                new PrintWriter(out, true),
                Terminal.plain(false),
                new FlightDelayDemo.Settings(115, false, false, null, "H2"));

        int exitCode = demo.run();

        Flight original = FlightsData.generate().flights().get(115 - 1);
        DateTimeFormatter time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
        assertThat(exitCode).as(out.toString()).isEqualTo(1);
        assertThat(out.toString())
            .containsPattern(
                "(?m)^\\s+departure\\s+"
                    + time.format(original.departure().plusHours(2))
                    + "\\s+"
                    + time.format(original.departure())
                    + "\\s+x$")
            .contains("x INCONSISTENT  the cache differs from the database");
      }
    }
  }

  /** A Tandem that reads through {@code reads} and sends every update to {@code writes}. */
  @SuppressWarnings("unchecked")
  private static Tandem<Long, Flight> writesElsewhere(
      Tandem<Long, Flight> reads, Tandem<Long, Flight> writes) {
    return (Tandem<Long, Flight>)
        Proxy.newProxyInstance(
            Tandem.class.getClassLoader(),
            new Class<?>[] {Tandem.class},
            (proxy, method, args) -> {
              try {
                return method.invoke(method.getName().equals("update") ? writes : reads, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
