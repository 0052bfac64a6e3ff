package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.VersionConflictException;
import dev.tandem.Versioned;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The real product, {@link Tandem}, over a {@link JdbcStore} on PostgreSQL and on H2. */
class TandemOnJdbcIT {

  /** A store that counts the calls that would do I/O. */
  private static final class CountingStore<K, V> implements Store<K, V> {
    final Store<K, V> delegate;
    final AtomicInteger calls = new AtomicInteger();

    CountingStore(Store<K, V> delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<Versioned<V>> load(K key) {
      calls.incrementAndGet();
      return delegate.load(key);
    }

    @Override
    public Map<K, Versioned<V>> loadAll(Collection<? extends K> keys) {
      calls.incrementAndGet();
      return delegate.loadAll(keys);
    }

    @Override
    public StoreTransaction<K, V> begin() {
      calls.incrementAndGet();
      return delegate.begin();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private static JdbcStore<Long, Flight> flights(TestDatabase db) {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    return Flight.store(db, table);
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void readsAndWritesGoThroughTheDatabase(TestDatabase db) {
    JdbcStore<Long, Flight> store = flights(db);
    try (Tandem<Long, Flight> tandem = Tandem.builder(store).build()) {
      Flight ams = new Flight("AMS", 5);
      assertThat(tandem.get(1L)).isEmpty();
      long v1 = tandem.put(1L, ams);
      assertThat(tandem.get(1L)).contains(ams);
      assertThat(tandem.getVersioned(1L)).contains(new Versioned<>(ams, v1));
      assertThat(store.load(1L)).contains(new Versioned<>(ams, v1));

      AtomicBoolean called = new AtomicBoolean();
      assertThat(tandem.update(1L, f -> new Flight(f.origin(), f.delayMinutes() + 10)))
          .contains(new Flight("AMS", 15));
      assertThat(
              tandem.update(
                  2L,
                  f -> {
                    called.set(true);
                    return f;
                  }))
          .isEmpty();
      assertThat(called).isFalse();
      Versioned<Flight> updated = store.load(1L).orElseThrow();
      assertThat(updated.value()).isEqualTo(new Flight("AMS", 15));
      assertThat(updated.version()).isGreaterThan(v1);

      long v3 = tandem.putIfVersion(1L, updated.version(), new Flight("AMS", 20));
      assertThat(v3).isGreaterThan(updated.version());
      assertThatThrownBy(() -> tandem.putIfVersion(1L, v1, new Flight("AMS", 99)))
          .isInstanceOf(VersionConflictException.class)
          .satisfies(e -> assertThat(((VersionConflictException) e).actualVersion()).isEqualTo(v3));
      long created = tandem.putIfVersion(2L, 0, new Flight("BER", 0));
      assertThatThrownBy(() -> tandem.putIfVersion(2L, 0, new Flight("BER", 1)))
          .isInstanceOf(VersionConflictException.class);
      assertThat(store.loadAll(List.of(1L, 2L)))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  1L,
                  new Versioned<>(new Flight("AMS", 20), v3),
                  2L,
                  new Versioned<>(new Flight("BER", 0), created)));

      assertThat(tandem.remove(1L)).isTrue();
      assertThat(tandem.get(1L)).isEmpty();
      assertThat(tandem.remove(1L)).isFalse();
      assertThat(store.load(1L)).isEmpty();
      long recreated = tandem.put(1L, ams);
      assertThat(recreated).isGreaterThan(v3);
      assertThat(tandem.get(1L)).contains(ams);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void batchesAreAllOrNothingAndLoadInOneQuery(TestDatabase db) {
    CountingStore<Long, Flight> store = new CountingStore<>(flights(db));
    try (Tandem<Long, Flight> tandem = Tandem.builder(store).build()) {
      Map<Long, Flight> entries =
          LongStream.rangeClosed(1, 300)
              .boxed()
              .collect(Collectors.toMap(k -> k, k -> new Flight("AMS", (int) (long) k)));
      tandem.putAll(entries);
      tandem.invalidateAll();
      int before = store.calls.get();
      List<Long> keys = new ArrayList<>(entries.keySet());
      keys.add(301L);
      assertThat(tandem.getAll(keys)).isEqualTo(entries);
      assertThat(store.calls.get() - before).isEqualTo(1);

      Map<Long, Flight> withBad =
          new HashMap<>(Map.of(1L, new Flight("OSL", 1), 2L, new Flight("OSL", -2)));
      assertThatThrownBy(() -> tandem.putAll(withBad)).isInstanceOf(StoreException.class);
      tandem.invalidateAll();
      assertThat(tandem.getAll(List.of(1L, 2L)))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(1L, new Flight("AMS", 1), 2L, new Flight("AMS", 2)));

      assertThat(tandem.removeAll(List.of(1L, 2L, 3L, 999L, 1L))).isEqualTo(3);
      assertThat(tandem.getAll(List.of(1L, 2L, 3L, 4L))).containsOnlyKeys(4L);
      assertThat(store.delegate.loadAll(List.of(1L, 2L, 3L))).isEmpty();
    }
  }

  /**
   * A statement the database refuses (a CHECK) throws StoreException and leaves the cache as it
   * was.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aFailingStatementThrowsStoreExceptionAndLeavesTheCacheUntouched(TestDatabase db) {
    JdbcStore<Long, Flight> store = flights(db);
    try (Tandem<Long, Flight> tandem = Tandem.builder(store).build()) {
      Flight ok = new Flight("AMS", 1);
      long version = tandem.put(1L, ok);

      assertThatThrownBy(() -> tandem.put(1L, new Flight("AMS", -1)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("key 1")
          .hasCauseInstanceOf(JdbcStoreException.class)
          .satisfies(e -> assertThat(((StoreException) e).keys()).isEqualTo(List.of(1L)));
      assertThat(tandem.getIfCached(1L)).contains(ok);
      assertThatThrownBy(() -> tandem.update(1L, f -> new Flight("AMS", -5)))
          .isInstanceOf(StoreException.class);
      assertThat(tandem.getVersioned(1L)).contains(new Versioned<>(ok, version));
      assertThatThrownBy(() -> tandem.put(2L, new Flight("AMS", -1)))
          .isInstanceOf(StoreException.class);

      tandem.invalidateAll();
      assertThat(tandem.getVersioned(1L)).contains(new Versioned<>(ok, version));
      assertThat(tandem.get(2L)).isEmpty();
      assertThat(tandem.stats().writeFailureCount()).isEqualTo(3);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aValueTheMapperRejectsIsAnIllegalArgumentNamingTheKey(TestDatabase db) {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    RowMapper<Flight> iataOnly =
        new RowMapper<>() {
          @Override
          public List<String> columns() {
            return Flight.MAPPER.columns();
          }

          @Override
          public Flight read(ResultSet rs) throws SQLException {
            return Flight.MAPPER.read(rs);
          }

          @Override
          public List<?> write(Flight value) {
            if (value.origin().length() != 3) {
              throw new IllegalArgumentException("not an IATA code: " + value.origin());
            }
            return Flight.MAPPER.write(value);
          }
        };
    JdbcStore<Long, Flight> store =
        JdbcStore.<Long, Flight>builder()
            .dataSource(db.dataSource())
            .table(table)
            .keyColumn("flight_id", Long.class)
            .rowMapper(iataOnly)
            .build();
    try (Tandem<Long, Flight> tandem = Tandem.builder(store).build()) {
      assertThatThrownBy(
              () -> tandem.putAll(Map.of(1L, new Flight("AMS", 1), 2L, new Flight("Berlin", 1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key 2")
          .hasMessageContaining("not an IATA code: Berlin");
      assertThat(store.loadAll(List.of(1L, 2L))).isEmpty();
    }
  }

  /** Every public method rejects null and bad arguments by name, before touching the database. */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void badInputsFailBeforeAnyIo(TestDatabase db) {
    CountingStore<Long, Flight> store = new CountingStore<>(flights(db));
    Flight f = new Flight("AMS", 1);
    List<Long> withNull = Arrays.asList(1L, null);
    Map<Long, Flight> nullKey = new HashMap<>();
    nullKey.put(null, f);
    Map<Long, Flight> nullValue = new HashMap<>();
    nullValue.put(1L, null);
    UnaryOperator<Flight> identity = x -> x;
    try (Tandem<Long, Flight> tandem = Tandem.builder(store).build()) {
      assertNpe(() -> tandem.get(null), "key");
      assertNpe(() -> tandem.getVersioned(null), "key");
      assertNpe(() -> tandem.getIfCached(null), "key");
      assertNpe(() -> tandem.getAll(null), "keys");
      assertNpe(() -> tandem.getAll(withNull), "keys: a key is null");
      assertNpe(() -> tandem.put(null, f), "key");
      assertNpe(() -> tandem.put(1L, null), "value");
      assertNpe(() -> tandem.putAll(null), "entries");
      assertNpe(() -> tandem.putAll(nullKey), "a key is null");
      assertNpe(() -> tandem.putAll(nullValue), "the value of key 1 is null");
      assertNpe(() -> tandem.putIfVersion(null, 1, f), "key");
      assertNpe(() -> tandem.putIfVersion(1L, 1, null), "value");
      assertThatThrownBy(() -> tandem.putIfVersion(1L, -1, f))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expected version");
      assertNpe(() -> tandem.update(null, identity), "key");
      assertNpe(() -> tandem.update(1L, (UnaryOperator<Flight>) null), "function");
      assertNpe(() -> tandem.remove(null), "key");
      assertNpe(() -> tandem.removeAll(null), "keys");
      assertNpe(() -> tandem.removeAll(withNull), "keys: a key is null");
      assertNpe(() -> tandem.invalidate(null), "key");
      assertThat(store.calls).hasValue(0);

      tandem.put(1L, f);
      assertThatThrownBy(() -> tandem.update(1L, x -> null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("function returned null");
      assertThat(store.delegate.load(1L)).map(Versioned::value).contains(f);
    }
    assertNpe(() -> Tandem.builder(null), "store");
    Tandem.Builder<Long, Flight> builder = Tandem.builder(store);
    assertNpe(() -> builder.cacheTier(null), "tier");
    assertNpe(() -> builder.ticker(null), "ticker");
    assertNpe(() -> builder.name(null), "name");
    assertThatThrownBy(() -> builder.name(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
  }

  private static void assertNpe(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOf(NullPointerException.class).hasMessageContaining(message);
  }

  /**
   * Two nodes (two Tandems, two stores, one PostgreSQL table) increment one counter concurrently:
   * the advisory key locks order their read-modify-write transactions, so no increment is lost.
   */
  @Test
  void twoNodesUpdatingOneKeyLoseNoUpdate() throws Exception {
    TestDatabase db = TestDatabase.POSTGRESQL;
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    int threadsPerNode = 2;
    int increments = 25;
    ExecutorService executor = Executors.newFixedThreadPool(2 * threadsPerNode);
    try (Tandem<Long, Flight> a = Tandem.builder(Flight.store(db, table)).name("a").build();
        Tandem<Long, Flight> b = Tandem.builder(Flight.store(db, table)).name("b").build()) {
      a.put(1L, new Flight("AMS", 0));
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      for (Tandem<Long, Flight> node : List.of(a, b)) {
        for (int t = 0; t < threadsPerNode; t++) {
          workers.add(
              CompletableFuture.runAsync(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < increments; i++) {
                      node.update(1L, f -> new Flight(f.origin(), f.delayMinutes() + 1));
                    }
                  },
                  executor));
        }
      }
      start.countDown();
      CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

      int expected = 2 * threadsPerNode * increments;
      a.invalidate(1L);
      b.invalidate(1L);
      assertThat(a.get(1L)).contains(new Flight("AMS", expected));
      assertThat(b.getVersioned(1L)).isEqualTo(a.getVersioned(1L));
    } finally {
      executor.shutdownNow();
    }
  }
}
