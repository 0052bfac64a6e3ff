package dev.tandem.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.Tandem;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.core.ResolvableType;

/**
 * The auto-configuration, run by Spring Boot's context runner with an H2 data source and a simple
 * meter registry: the same class runs on Boot 3.5 (this module) and Boot 4.0
 * (tandem-spring-boot4-test).
 */
class TandemAutoConfigurationTest {

  /** Injects both caches by their generic types. */
  static class Departures {
    @Autowired Tandem<Long, Flight> flights;
    @Autowired Tandem<String, Airport> airports;
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(TandemAutoConfiguration.class))
          .withUserConfiguration(TestApplication.class)
          .withPropertyValues(
              "tandem.caches.flights.table=flight",
              "tandem.caches.flights.key-column=flight_id",
              "tandem.caches.flights.value-type=" + Flight.class.getName(),
              "tandem.caches.airports.table=airport",
              "tandem.caches.airports.key-column=code",
              "tandem.caches.airports.key-type=java.lang.String",
              "tandem.caches.airports.value-type=" + Airport.class.getName());

  @Test
  void isRegisteredTheBootWay() {
    assertThat(
            ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader())
                .getCandidates())
        .contains(TandemAutoConfiguration.class.getName());
  }

  @Test
  void propertiesCarryMetadataForIdes() throws Exception {
    try (var in =
        getClass()
            .getClassLoader()
            .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
      String metadata = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(metadata)
          .contains(
              "\"name\": \"tandem.caches\"",
              "java.util.Map<java.lang.String,dev.tandem.spring.boot.TandemProperties$Cache>",
              "The caches, by name: the name of the Tandem bean and of the Spring cache.");
    }
  }

  @Test
  void aTandemPerCacheIsInjectableByGenericTypeAndByName() {
    runner
        .withBean(Departures.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Departures departures = context.getBean(Departures.class);
              assertThat(departures.flights).isSameAs(context.getBean("flights"));
              assertThat(departures.airports).isSameAs(context.getBean("airports"));
              assertThat(
                      context.getBeanNamesForType(
                          ResolvableType.forClassWithGenerics(
                              Tandem.class, Long.class, Flight.class)))
                  .containsExactly("flights");

              departures.flights.put(7L, new Flight("OSL", 5));
              departures.airports.put("OSL", new Airport("Oslo"));
              assertThat(TestTables.flight(context.getBean(DataSource.class), "flight", 7))
                  .isEqualTo(new Flight("OSL", 5));
              assertThat(departures.airports.get("OSL")).contains(new Airport("Oslo"));
            });
  }

  @Test
  void closesEachTandemWithTheContextBeforeTheDataSource() {
    AtomicReference<Tandem<?, ?>> flights = new AtomicReference<>();
    runner.run(context -> flights.set((Tandem<?, ?>) context.getBean("flights")));
    assertThatThrownBy(() -> flights.get().estimatedSize())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void publishesTandemsMetersOnTheApplicationsRegistry() {
    runner.run(
        context -> {
          @SuppressWarnings("unchecked")
          Tandem<Long, Flight> flights = (Tandem<Long, Flight>) context.getBean("flights");
          flights.put(1L, new Flight("BGO", 0));
          flights.get(2L);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          assertThat(registry.find("tandem.writes").tag("cache", "flights").meters()).isNotEmpty();
          assertThat(registry.find("tandem.gets").tag("cache", "airports").meters()).isNotEmpty();
        });
  }

  @Test
  void aColumnTheRecordNeedsButTheTableLacksFailsStartUpNamingIt() {
    runner
        .withPropertyValues(
            "tandem.caches.bad.table=bad_flight",
            "tandem.caches.bad.key-column=flight_id",
            "tandem.caches.bad.value-type=" + Flight.class.getName())
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining(
                      "table PUBLIC.BAD_FLIGHT has no column delay_minutes for the record component Flight.delayMinutes");
              assertThat(causes(context.getStartupFailure()))
                  .contains("tandem.caches.bad: rowMapper: table");
            });
  }

  @Test
  void aMissingRequiredSettingFailsStartUpNamingTheProperty() {
    runner
        .withPropertyValues("tandem.caches.nameless.value-type=" + Flight.class.getName())
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(causes(context.getStartupFailure()))
                  .contains("tandem.caches.nameless.table must be set");
            });
  }

  @Test
  void providesTheCacheManagerUnlessDisabled() {
    runner.run(
        context ->
            assertThat(context.getBean(CacheManager.class).getCacheNames())
                .containsExactly("flights", "airports"));
    runner
        .withPropertyValues("tandem.cache-manager.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(CacheManager.class));
  }

  @Test
  void healthIsUpAndNamesTheDatabaseAndEachCache() throws Exception {
    runner.run(
        context -> {
          Object indicator = context.getBean("tandemHealthIndicator");
          assertThat(indicator.getClass().getSimpleName())
              .isEqualTo(isBoot4() ? "Boot4HealthIndicator" : "Boot3HealthIndicator");
          Object health = indicator.getClass().getMethod("health").invoke(indicator);
          Method status = health.getClass().getMethod("getStatus");
          Method details = health.getClass().getMethod("getDetails");
          assertThat(status.invoke(health).toString()).isEqualTo("UP");
          Map<?, ?> map = (Map<?, ?>) details.invoke(health);
          assertThat(map.get("database")).isEqualTo("reachable");
          assertThat(List.copyOf(((Map<?, ?>) map.get("caches")).keySet()))
              .isEqualTo(List.of("flights", "airports"));
        });
  }

  @Test
  void healthIsDownWhenTheDatabaseIsGone() {
    runner.run(
        context -> {
          TandemHealth health = new TandemHealth(context.getBean(TandemCaches.class));
          assertThat(health.check().up()).isTrue();
          TestTables.execute(context.getBean(DataSource.class), "SHUTDOWN");
          TandemHealth.Report report = health.check();
          assertThat(report.up()).isFalse();
          assertThat((String) report.details().get("database")).startsWith("unreachable: ");
        });
  }

  private static boolean isBoot4() {
    try {
      Class.forName("org.springframework.boot.health.contributor.HealthIndicator");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static String causes(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }

  /**
   * The transaction manager of the application's DataSource, as a Boot application with JDBC has
   * one.
   */
  static class Transactions {
    @org.springframework.context.annotation.Bean
    org.springframework.transaction.PlatformTransactionManager transactionManager(
        DataSource dataSource) {
      return new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource);
    }
  }

  /**
   * A write inside a Spring-managed transaction joins it: rolled back with it (neither in the table
   * nor cached), and after a commit in the table and cached under the row's version.
   */
  @Test
  void writesInASpringTransactionJoinIt() {
    runner
        .withUserConfiguration(Transactions.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              @SuppressWarnings("unchecked")
              Tandem<Long, Flight> flights = (Tandem<Long, Flight>) context.getBean("flights");
              DataSource db = context.getBean(DataSource.class);
              var transactions =
                  new org.springframework.transaction.support.TransactionTemplate(
                      context.getBean(
                          org.springframework.transaction.PlatformTransactionManager.class));

              transactions.executeWithoutResult(
                  status -> {
                    flights.put(8L, new Flight("BGO", 1));
                    assertThat(flights.get(8L)).contains(new Flight("BGO", 1)); // its own write
                    status.setRollbackOnly();
                  });
              assertThat(TestTables.flight(db, "flight", 8)).isNull();
              assertThat(flights.getIfCached(8L)).isEmpty();
              assertThat(flights.get(8L)).isEmpty();

              transactions.executeWithoutResult(status -> flights.put(8L, new Flight("BGO", 2)));
              assertThat(TestTables.flight(db, "flight", 8)).isEqualTo(new Flight("BGO", 2));
              assertThat(flights.getVersioned(8L))
                  .hasValueSatisfying(
                      cached ->
                          assertThat(cached.version())
                              .isEqualTo(TestTables.version(db, "flight", 8)));
            });
  }

  /**
   * With join-transactions off, a write commits on its own: the application's rollback leaves it.
   */
  @Test
  void joiningTransactionsCanBeTurnedOff() {
    runner
        .withUserConfiguration(Transactions.class)
        .withPropertyValues("tandem.caches.flights.join-transactions=false")
        .run(
            context -> {
              @SuppressWarnings("unchecked")
              Tandem<Long, Flight> flights = (Tandem<Long, Flight>) context.getBean("flights");
              var transactions =
                  new org.springframework.transaction.support.TransactionTemplate(
                      context.getBean(
                          org.springframework.transaction.PlatformTransactionManager.class));
              transactions.executeWithoutResult(
                  status -> {
                    flights.put(9L, new Flight("TRD", 1));
                    status.setRollbackOnly();
                  });
              assertThat(TestTables.flight(context.getBean(DataSource.class), "flight", 9))
                  .isEqualTo(new Flight("TRD", 1));
            });
  }
}
