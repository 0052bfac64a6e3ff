package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.Columns;
import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Field updates and conditional puts as statements of a {@link JdbcStore}, on PostgreSQL and H2:
 * one statement per patch returning the row, applied in queue order inside a batch, and a racing
 * write from another Tandem making the read-free update fall back instead of overwriting (H13).
 */
class FieldUpdateIT {

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aStoreOffersItsMappersColumnsAndNoneWithAChangeLog(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = Flight.freshStore(db)) {
      assertThat(store.patchColumns()).containsExactly("origin", "delay_minutes");
      assertThat(store.putsIfVersion()).isTrue();
    }
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    String log = TestDatabase.uniqueName("changes");
    JdbcSchema.createChangeLogTable(db.dataSource(), log);
    try (JdbcStore<Long, Flight> logged =
            JdbcStore.<Long, Flight>builder()
                .dataSource(db.dataSource())
                .table(table)
                .keyColumn("flight_id", Long.class)
                .rowMapper(Flight.MAPPER)
                .changeLog(log)
                .build();
        Tandem<Long, Flight> tandem = Tandem.builder(logged).build()) {
      assertThat(logged.patchColumns()).isEmpty();
      assertThat(logged.putsIfVersion()).isFalse();
      assertThatThrownBy(() -> tandem.update(1L, Columns.set("origin", "AMS")))
          .isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aFieldUpdateSetsItsColumnsAndCachesTheReturnedRowUnderItsVersion(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = Flight.freshStore(db);
        Tandem<Long, Flight> tandem = Tandem.builder(store).updatesFromCache().build()) {
      tandem.put(115L, new Flight("AMS", 0));

      assertThat(tandem.update(115L, Columns.set("delay_minutes", 30)))
          .contains(new Flight("AMS", 30));

      Versioned<Flight> row = store.load(115L).orElseThrow();
      assertThat(row.value()).isEqualTo(new Flight("AMS", 30));
      assertThat(tandem.getVersioned(115L)).contains(row);
      assertThat(tandem.update(116L, Columns.set("delay_minutes", 5))).isEmpty();
      assertThat(store.load(116L)).isEmpty();
      assertThat(tandem.get(116L)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void badColumnsAndValuesAreRefusedAndWriteNothing(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = Flight.freshStore(db);
        Tandem<Long, Flight> tandem = Tandem.builder(store).updatesFromCache().build()) {
      tandem.put(1L, new Flight("AMS", 0));
      Versioned<Flight> before = store.load(1L).orElseThrow();

      assertThatThrownBy(() -> tandem.update(1L, Columns.set("departure", 1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("column departure");
      assertThatThrownBy(
              () -> tandem.update(1L, Columns.set("delay_minutes", -1))) // the table's CHECK
          .isInstanceOf(StoreException.class);

      assertThat(store.load(1L)).contains(before);
      assertThat(tandem.getVersioned(1L)).contains(before);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void patchesAndConditionalPutsInOneTransactionApplyInOrder(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = Flight.freshStore(db)) {
      List<Written> written;
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        written =
            tx.apply(
                List.of(
                    new Mutation.Put<>(1L, new Flight("AMS", 0)),
                    new Mutation.Patch<>(1L, java.util.Map.of("delay_minutes", 5)),
                    new Mutation.PutIfVersion<>(1L, new Flight("BER", 9), 1),
                    new Mutation.Patch<>(2L, java.util.Map.of("origin", "CPH")),
                    new Mutation.Put<>(2L, new Flight("OSL", 1))));
        tx.commit();
      }
      assertThat(written.get(1).value()).isEqualTo(new Flight("AMS", 5));
      assertThat(written.get(1).version()).isGreaterThan(written.get(0).version());
      assertThat(written.get(2).wrote()).isFalse(); // version 1 is not the row's
      assertThat(written.get(3).wrote()).isFalse(); // key 2 did not exist yet
      assertThat(store.load(1L))
          .contains(new Versioned<>(new Flight("AMS", 5), written.get(1).version()));

      long current = store.load(1L).orElseThrow().version();
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        written =
            tx.applyAndCommit(
                List.of(new Mutation.PutIfVersion<>(1L, new Flight("BER", 9), current)));
      }
      assertThat(written.get(0).version()).isGreaterThan(current);
      assertThat(store.load(1L))
          .contains(new Versioned<>(new Flight("BER", 9), written.get(0).version()));
    }
  }

  /**
   * Concurrent field updates of one hot key: every one commits, and the cache ends at the
   * database's row.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void concurrentFieldUpdatesOfOneKeyLeaveTheCacheAtTheDatabasesRow(TestDatabase db)
      throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try (JdbcStore<Long, Flight> store = Flight.freshStore(db);
        Tandem<Long, Flight> tandem = Tandem.builder(store).updatesFromCache().build()) {
      tandem.put(7L, new Flight("AMS", 0));
      List<Future<Optional<Flight>>> updates = new ArrayList<>();
      for (int i = 1; i <= 200; i++) {
        int delay = i;
        updates.add(
            threads.submit(
                () ->
                    delay % 2 == 0
                        ? tandem.update(7L, Columns.set("delay_minutes", delay))
                        : tandem.update(
                            7L,
                            Columns.set("origin", "X" + delay % 10).and("delay_minutes", delay))));
      }
      for (Future<Optional<Flight>> update : updates) {
        assertThat(update.get()).isPresent();
      }
      assertThat(tandem.getVersioned(7L)).isEqualTo(store.load(7L));
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Race H13: node "here" cached the row; node "there" writes it between here's cached read and its
   * conditional write. Here's update must fall back to the locked read and apply its function to
   * there's value, never write over it.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aWriteFromAnotherNodeBetweenTheCachedReadAndTheConditionalWriteIsNeverOverwritten(
      TestDatabase db) {
    try (JdbcStore<Long, Flight> store = Flight.freshStore(db);
        Tandem<Long, Flight> here = Tandem.builder(store).updatesFromCache().build();
        Tandem<Long, Flight> there = Tandem.builder(store).updatesFromCache().build()) {
      here.put(1L, new Flight("AMS", 0));
      assertThat(here.get(1L)).contains(new Flight("AMS", 0)); // cached here
      List<Flight> given = new ArrayList<>();

      Optional<Flight> result =
          here.update(
              1L,
              f -> {
                given.add(f);
                if (given.size() == 1) {
                  there.put(1L, new Flight("BER", 100));
                }
                return new Flight(f.origin(), f.delayMinutes() + 1);
              });

      assertThat(given).containsExactly(new Flight("AMS", 0), new Flight("BER", 100));
      assertThat(result).contains(new Flight("BER", 101));
      assertThat(store.load(1L).orElseThrow().value()).isEqualTo(new Flight("BER", 101));
      assertThat(here.getVersioned(1L)).isEqualTo(store.load(1L));
    }
  }

  /**
   * A cached key's update writes once: the function is applied to the cached value, and only once.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void anUpdateOfACachedKeyAppliesItsFunctionOnce(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = Flight.freshStore(db);
        Tandem<Long, Flight> tandem = Tandem.builder(store).updatesFromCache().build()) {
      tandem.put(1L, new Flight("AMS", 0));
      List<Flight> given = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        tandem.update(
            1L,
            f -> {
              given.add(f);
              return new Flight(f.origin(), f.delayMinutes() + 1);
            });
      }
      assertThat(given)
          .containsExactly(new Flight("AMS", 0), new Flight("AMS", 1), new Flight("AMS", 2));
      assertThat(tandem.getVersioned(1L)).isEqualTo(store.load(1L));
      assertThat(store.load(1L).orElseThrow().value()).isEqualTo(new Flight("AMS", 3));
    }
  }

  /** A mapper whose domain type refuses delays over 1000, which the table allows. */
  private static final RowMapper<Flight> STRICT =
      new RowMapper<>() {
        @Override
        public List<String> columns() {
          return List.of("origin", "delay_minutes");
        }

        @Override
        public Flight read(java.sql.ResultSet rs) throws java.sql.SQLException {
          int delay = rs.getInt("delay_minutes");
          if (delay > 1000) {
            throw new IllegalArgumentException("delay " + delay + " out of range");
          }
          return new Flight(rs.getString("origin"), delay);
        }

        @Override
        public List<?> write(Flight value) {
          return List.of(value.origin(), value.delayMinutes());
        }
      };

  /**
   * A field update whose returned row the mapper refuses fails with nothing written: the row is
   * read back before the commit. Before, on PostgreSQL a lone field update was auto-committed with
   * its statement, so the caller heard "nothing was written" of a committed change and the cache
   * kept the old value (found by review).
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aFieldUpdateWhoseRowTheMapperRefusesWritesNothing(TestDatabase db) {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    try (JdbcStore<Long, Flight> store =
            JdbcStore.<Long, Flight>builder()
                .dataSource(db.dataSource())
                .table(table)
                .keyColumn("flight_id", Long.class)
                .rowMapper(STRICT)
                .build();
        Tandem<Long, Flight> tandem = Tandem.builder(store).build()) {
      tandem.put(1L, new Flight("AMS", 5));
      assertThat(tandem.get(1L)).contains(new Flight("AMS", 5));

      assertThatThrownBy(() -> tandem.update(1L, Columns.set("delay_minutes", 5000)))
          .isInstanceOf(StoreException.class);

      assertThat(store.load(1L).orElseThrow().value()).isEqualTo(new Flight("AMS", 5));
      assertThat(tandem.get(1L)).contains(new Flight("AMS", 5));
    }
  }

  /**
   * By default update(k, fn) reads the row under lock, so a change made by other SQL (which keeps
   * the version) is kept, not overwritten from the cached value (found by review; with
   * updatesFromCache the application promises that no such change happens).
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void byDefaultAnUpdateKeepsAChangeMadeOutsideTandem(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    try (JdbcStore<Long, Flight> store = Flight.store(db, table);
        Tandem<Long, Flight> tandem = Tandem.builder(store).build()) {
      tandem.put(2L, new Flight("AMS", 5));
      assertThat(tandem.get(2L)).contains(new Flight("AMS", 5));
      try (java.sql.Connection c = db.dataSource().getConnection();
          java.sql.Statement st = c.createStatement()) {
        st.executeUpdate("UPDATE " + table + " SET delay_minutes = 99 WHERE flight_id = 2");
        if (!c.getAutoCommit()) {
          c.commit();
        }
      }

      tandem.update(2L, f -> new Flight(f.origin(), f.delayMinutes() + 1));

      assertThat(store.load(2L).orElseThrow().value()).isEqualTo(new Flight("AMS", 100));
    }
  }
}
