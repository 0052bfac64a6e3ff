package dev.tandem.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.Tandem;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The Spring Cache abstraction over Tandem: {@code @Cacheable}, {@code @CachePut} in each put mode,
 * {@code @CacheEvict}. Cache {@code flights} puts by invalidating, cache {@code fares} by writing
 * through; both hold {@link Flight}s, in two tables of one H2 database.
 */
class TandemCacheManagerTest {

  /** An application's service: its methods say what they do to the database. */
  public static class FlightDesk {
    final DataSource db;
    final AtomicInteger calls = new AtomicInteger();

    public FlightDesk(DataSource db) {
      this.db = db;
    }

    /** Returns how often a cached method ran (a method: the bean is a proxy). */
    public int calls() {
      return calls.get();
    }

    /** Runs only for a flight the table lacks: Tandem answers the others from the database. */
    @Cacheable(cacheNames = "flights", sync = true)
    public Flight find(long id) {
      calls.incrementAndGet();
      return new Flight("NEW", 0);
    }

    /** The same, with an int parameter: the key is converted to the cache's Long. */
    @Cacheable(cacheNames = "flights", sync = true)
    public Flight findByInt(int id) {
      calls.incrementAndGet();
      return new Flight("NEW", 0);
    }

    @Cacheable(cacheNames = "fares", sync = true)
    public Flight fare(long id) {
      calls.incrementAndGet();
      return new Flight("NEW", 0);
    }

    @Cacheable(cacheNames = "flights")
    public Flight findUnsynchronized(long id) {
      calls.incrementAndGet();
      return new Flight("NEW", 0);
    }

    /** Writes the database itself (put mode invalidate). */
    @CachePut(cacheNames = "flights", key = "#id")
    public Flight delayBySql(long id, int minutes) {
      TestTables.execute(
          db, "UPDATE flight SET delay_minutes = ? WHERE flight_id = ?", minutes, id);
      return new Flight("OSL", minutes);
    }

    /** Computes the new value only (put mode write-through writes it). */
    @CachePut(cacheNames = "fares", key = "#id")
    public Flight delayComputed(long id, int minutes) {
      return new Flight("OSL", minutes);
    }

    @CacheEvict(cacheNames = "flights", key = "#id")
    public void delayBySqlThenEvict(long id, int minutes) {
      TestTables.execute(
          db, "UPDATE flight SET delay_minutes = ? WHERE flight_id = ?", minutes, id);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  @Import(TestApplication.class)
  static class Application {
    @Bean
    FlightDesk flightDesk(DataSource db) {
      return new FlightDesk(db);
    }
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(TandemAutoConfiguration.class))
          .withUserConfiguration(Application.class)
          .withPropertyValues(
              "tandem.caches.flights.table=flight",
              "tandem.caches.flights.key-column=flight_id",
              "tandem.caches.flights.value-type=" + Flight.class.getName(),
              "tandem.caches.flights.put-mode=invalidate",
              "tandem.caches.fares.table=fare",
              "tandem.caches.fares.key-column=flight_id",
              "tandem.caches.fares.value-type=" + Flight.class.getName());

  @SuppressWarnings("unchecked")
  private static Tandem<Long, Flight> tandem(AssertableApplicationContext context, String name) {
    return (Tandem<Long, Flight>) context.getBean(name);
  }

  @Test
  void cacheableWithSyncLoadsTheRowOnceThroughTandemAndNeverRunsTheMethod() {
    runner.run(
        context -> {
          Tandem<Long, Flight> flights = tandem(context, "flights");
          flights.put(1L, new Flight("OSL", 3));
          flights.invalidateAll();
          long loadsBefore = flights.stats().loadCount();
          FlightDesk desk = context.getBean(FlightDesk.class);
          int threads = 8;
          CountDownLatch start = new CountDownLatch(1);
          ExecutorService pool = Executors.newFixedThreadPool(threads);
          try {
            List<Future<Flight>> found = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
              found.add(
                  pool.submit(
                      () -> {
                        start.await();
                        return desk.find(1L);
                      }));
            }
            start.countDown();
            for (Future<Flight> f : found) {
              assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(new Flight("OSL", 3));
            }
          } finally {
            pool.shutdownNow();
          }
          assertThat(desk.calls()).isEqualTo(0);
          assertThat(flights.stats().loadCount() - loadsBefore).isEqualTo(1);
          assertThat(desk.findByInt(1)).isEqualTo(new Flight("OSL", 3));
          assertThat(desk.findUnsynchronized(1L)).isEqualTo(new Flight("OSL", 3));
          assertThat(desk.calls()).isEqualTo(0);
        });
  }

  @Test
  void cacheableOfARowTheTableLacksRunsTheMethodAndStoresItsValueOnlyWhenWritingThrough() {
    runner.run(
        context -> {
          FlightDesk desk = context.getBean(FlightDesk.class);
          DataSource db = context.getBean(DataSource.class);
          assertThat(desk.find(99L)).isEqualTo(new Flight("NEW", 0));
          assertThat(TestTables.flight(db, "flight", 99)).isNull(); // invalidate: not written
          assertThat(desk.fare(99L)).isEqualTo(new Flight("NEW", 0));
          assertThat(TestTables.flight(db, "fare", 99))
              .isEqualTo(new Flight("NEW", 0)); // write-through
          assertThat(desk.calls()).isEqualTo(2);
          assertThat(desk.fare(99L)).isEqualTo(new Flight("NEW", 0));
          assertThat(desk.calls()).isEqualTo(2);
        });
  }

  @Test
  void cachePutInInvalidateModeDropsTheCopySoTheMethodsOwnWriteIsRead() {
    runner.run(
        context -> {
          Tandem<Long, Flight> flights = tandem(context, "flights");
          FlightDesk desk = context.getBean(FlightDesk.class);
          DataSource db = context.getBean(DataSource.class);
          flights.put(1L, new Flight("OSL", 0));
          assertThat(desk.find(1L)).isEqualTo(new Flight("OSL", 0));
          long version = TestTables.version(db, "flight", 1);

          desk.delayBySql(1L, 30);

          assertThat(flights.getIfCached(1L)).isEmpty();
          assertThat(desk.find(1L)).isEqualTo(new Flight("OSL", 30));
          assertThat(TestTables.version(db, "flight", 1))
              .isEqualTo(version); // written once, by the method
          assertThat(desk.calls()).isEqualTo(0);
        });
  }

  @Test
  void cachePutInWriteThroughModeWritesTheReturnedValueThroughTandem() {
    runner.run(
        context -> {
          Tandem<Long, Flight> fares = tandem(context, "fares");
          FlightDesk desk = context.getBean(FlightDesk.class);
          DataSource db = context.getBean(DataSource.class);
          long version = fares.put(1L, new Flight("OSL", 0));

          desk.delayComputed(1L, 45);

          assertThat(TestTables.flight(db, "fare", 1)).isEqualTo(new Flight("OSL", 45));
          assertThat(TestTables.version(db, "fare", 1)).isGreaterThan(version);
          assertThat(fares.getIfCached(1L)).contains(new Flight("OSL", 45));
          assertThat(desk.fare(1L)).isEqualTo(new Flight("OSL", 45));
        });
  }

  @Test
  void cacheEvictDropsTheCopyAndLeavesTheDatabaseAlone() {
    runner.run(
        context -> {
          Tandem<Long, Flight> flights = tandem(context, "flights");
          FlightDesk desk = context.getBean(FlightDesk.class);
          flights.put(1L, new Flight("OSL", 0));
          assertThat(desk.find(1L)).isEqualTo(new Flight("OSL", 0));

          desk.delayBySqlThenEvict(1L, 12);

          assertThat(desk.find(1L)).isEqualTo(new Flight("OSL", 12));
          assertThat(TestTables.flight(context.getBean(DataSource.class), "flight", 1))
              .isEqualTo(new Flight("OSL", 12));
        });
  }
}
