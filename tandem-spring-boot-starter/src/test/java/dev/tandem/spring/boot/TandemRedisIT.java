package dev.tandem.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.Tandem;
import dev.tandem.testkit.server.RedisServer;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The redis and near tiers from properties, on a real redis-server found through Boot's {@code
 * spring.data.redis.url}, and the health indicator's view of the Redis circuit while the server is
 * paused (SIGSTOP) and after it resumes.
 */
class TandemRedisIT {

  private static RedisServer redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TandemAutoConfiguration.class))
        .withUserConfiguration(TestApplication.class)
        .withPropertyValues(
            "spring.data.redis.url=" + redis.uri(),
            "tandem.caches.flights.table=flight",
            "tandem.caches.flights.key-column=flight_id",
            "tandem.caches.flights.value-type=" + Flight.class.getName(),
            "tandem.caches.flights.tier=near",
            "tandem.caches.flights.bounded-staleness=2s",
            "tandem.caches.fares.table=fare",
            "tandem.caches.fares.key-column=flight_id",
            "tandem.caches.fares.value-type=" + Flight.class.getName(),
            "tandem.caches.fares.tier=redis",
            "tandem.caches.fares.redis.command-timeout=200ms");
  }

  @SuppressWarnings("unchecked")
  private static Tandem<Long, Flight> tandem(Object bean) {
    return (Tandem<Long, Flight>) bean;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cacheDetails(TandemHealth.Report report, String cache) {
    return (Map<String, Object>) ((Map<?, ?>) report.details().get("caches")).get(cache);
  }

  /**
   * Polls the health until {@code condition} holds, reading {@code fares} each round; fails after
   * 20 s.
   */
  private static TandemHealth.Report awaitHealth(
      TandemHealth health,
      Tandem<Long, Flight> fares,
      Predicate<TandemHealth.Report> condition,
      String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (long key = 1000; ; key++) {
      TandemHealth.Report report = health.check();
      if (condition.test(report)) {
        return report;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; last report " + report);
      }
      try {
        fares.get(key); // a Redis call: fails while the server is paused, probes once it is back
      } catch (RuntimeException expected) {
        // counted by the circuit breaker
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void nearAndRedisTiersFromPropertiesAndTheCircuitInTheHealth() {
    runner()
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Tandem<Long, Flight> flights = tandem(context.getBean("flights"));
              Tandem<Long, Flight> fares = tandem(context.getBean("fares"));
              flights.put(1L, new Flight("OSL", 5));
              fares.put(1L, new Flight("BGO", 9));
              assertThat(flights.get(1L)).contains(new Flight("OSL", 5));
              assertThat(fares.get(1L)).contains(new Flight("BGO", 9));
              assertThat(redis.command("EXISTS", "tandem:fares:{1}"))
                  .isEqualTo(":1"); // in Redis, under the default prefix

              TandemHealth health = new TandemHealth(context.getBean(TandemCaches.class));
              TandemHealth.Report up = health.check();
              assertThat(up.up()).isTrue();
              assertThat(cacheDetails(up, "fares"))
                  .containsEntry("tier", "redis")
                  .containsEntry("redisCircuit", "closed");
              assertThat(cacheDetails(up, "flights"))
                  .containsEntry("tier", "near")
                  .containsKey("nearServing");

              redis.pause();
              try {
                TandemHealth.Report down =
                    awaitHealth(health, fares, report -> !report.up(), "DOWN");
                assertThat(cacheDetails(down, "fares")).containsEntry("redisCircuit", "open");
                assertThat(down.details().get("database")).isEqualTo("reachable");
              } finally {
                redis.resume();
              }
              awaitHealth(health, fares, TandemHealth.Report::up, "UP after Redis resumed");
            });
  }
}
