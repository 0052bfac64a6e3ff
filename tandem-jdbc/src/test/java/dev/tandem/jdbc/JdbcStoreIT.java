package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Versioned;
import dev.tandem.spi.AmbiguousCommitException;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RejectedValueException;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import dev.tandem.testkit.server.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour of {@link JdbcStore}, the same on PostgreSQL, MariaDB and H2 except where a test
 * says so.
 */
class JdbcStoreIT {

  private static final ExecutorService executor = Executors.newCachedThreadPool();

  @AfterAll
  static void stopExecutor() {
    executor.shutdownNow();
  }

  private static JdbcStore<Long, Flight> flights(TestDatabase db) {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    return Flight.store(db, table);
  }

  private static <K, V> List<Written> commit(
      JdbcStore<K, V> store, List<Mutation<K, V>> mutations) {
    try (StoreTransaction<K, V> tx = store.begin()) {
      List<Written> written = tx.apply(mutations);
      tx.commit();
      return written;
    }
  }

  private static Written put(JdbcStore<Long, Flight> store, long key, Flight value) {
    return commit(store, List.of(new Mutation.Put<>(key, value))).get(0);
  }

  private static Written delete(JdbcStore<Long, Flight> store, long key) {
    return commit(store, List.<Mutation<Long, Flight>>of(new Mutation.Delete<>(key))).get(0);
  }

  // ------------------------------------------------------------------ reads and writes

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void loadsWhatWasPutWithItsVersion(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = flights(db)) {
      assertThat(store.load(1L)).isEmpty();
      Written first = put(store, 1L, new Flight("AMS", 5));
      Written second = put(store, 2L, new Flight("CDG", 0));

      assertThat(first.existed()).isFalse();
      assertThat(store.load(1L)).contains(new Versioned<>(new Flight("AMS", 5), first.version()));
      assertThat(store.loadAll(List.of(1L, 2L, 3L, 1L)))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  1L, new Versioned<>(new Flight("AMS", 5), first.version()),
                  2L, new Versioned<>(new Flight("CDG", 0), second.version())));
      assertThat(store.loadAll(List.of())).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void versionsIncreaseAcrossDeleteAndRecreate(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = flights(db)) {
      Written created = put(store, 7L, new Flight("AMS", 1));
      Written updated = put(store, 7L, new Flight("AMS", 2));
      Written deleted = delete(store, 7L);
      Written deletedAgain = delete(store, 7L);
      Written recreated = put(store, 7L, new Flight("LHR", 3));

      assertThat(
              List.of(
                  created.existed(),
                  updated.existed(),
                  deleted.existed(),
                  deletedAgain.existed(),
                  recreated.existed()))
          .containsExactly(false, true, true, false, false);
      assertThat(
              List.of(
                  created.version(),
                  updated.version(),
                  deleted.version(),
                  deletedAgain.version(),
                  recreated.version()))
          .isSorted()
          .doesNotHaveDuplicates();
      assertThat(store.load(7L))
          .contains(new Versioned<>(new Flight("LHR", 3), recreated.version()));
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void deleteOfAnAbsentKeyGetsAFreshVersion(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = flights(db)) {
      Written before = put(store, 1L, new Flight("AMS", 1));
      Written absent = delete(store, 99L);
      assertThat(absent.existed()).isFalse();
      assertThat(absent.version()).isGreaterThan(before.version());
      assertThat(store.load(99L)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void appliesABatchInOrderWithRepeatedKeys(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = flights(db)) {
      put(store, 3L, new Flight("OSL", 3));
      List<Written> written =
          commit(
              store,
              List.of(
                  new Mutation.Put<>(1L, new Flight("AMS", 1)),
                  new Mutation.Put<>(2L, new Flight("BER", 2)),
                  new Mutation.Delete<>(1L),
                  new Mutation.Put<>(1L, new Flight("AMS", 10)),
                  new Mutation.Delete<>(3L),
                  new Mutation.Delete<>(4L),
                  new Mutation.Put<>(2L, new Flight("BER", 20))));

      assertThat(written)
          .extracting(Written::existed)
          .containsExactly(false, false, true, false, true, false, true);
      assertThat(written).extracting(Written::version).isSorted().doesNotHaveDuplicates();
      assertThat(store.load(1L))
          .contains(new Versioned<>(new Flight("AMS", 10), written.get(3).version()));
      assertThat(store.load(2L))
          .contains(new Versioned<>(new Flight("BER", 20), written.get(6).version()));
      assertThat(store.load(3L)).isEmpty();
      assertThat(store.load(4L)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void closingWithoutCommitWritesNothing(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = flights(db)) {
      put(store, 1L, new Flight("AMS", 1));
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        tx.apply(
            List.of(
                new Mutation.Put<>(1L, new Flight("AMS", 2)),
                new Mutation.Put<>(2L, new Flight("BER", 2))));
        tx.apply(List.of(new Mutation.Put<>(3L, new Flight("CPH", 3))));
      }
      assertThat(store.load(1L)).map(Versioned::value).contains(new Flight("AMS", 1));
      assertThat(store.loadAll(List.of(2L, 3L))).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aFailingStatementThrowsAndTheTransactionWritesNothing(TestDatabase db) {
    try (JdbcStore<Long, Flight> store = flights(db)) {
      put(store, 1L, new Flight("AMS", 1));
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        assertThatThrownBy(
                () ->
                    tx.apply(
                        List.of(
                            new Mutation.Put<>(1L, new Flight("AMS", 2)),
                            new Mutation.Put<>(2L, new Flight("BER", -1)))))
            .isInstanceOf(JdbcStoreException.class)
            .hasMessageContaining(store.table().display())
            .satisfies(
                e ->
                    assertThat(((JdbcStoreException) e).sqlState())
                        .isIn("23513", "23514", "23000"));
      }
      assertThat(store.load(1L)).map(Versioned::value).contains(new Flight("AMS", 1));
      assertThat(store.load(2L)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void keyValueTablesHoldTextBytesAndJson(TestDatabase db) {
    String text = TestDatabase.uniqueName("kv_text");
    String bytes = TestDatabase.uniqueName("kv_bytes");
    String json = TestDatabase.uniqueName("kv_json");
    JdbcSchema.createKeyValueTable(db.dataSource(), text, ValueType.TEXT);
    JdbcSchema.createKeyValueTable(db.dataSource(), text, ValueType.TEXT); // idempotent
    JdbcSchema.createKeyValueTable(db.dataSource(), bytes, ValueType.BYTES);
    JdbcSchema.createKeyValueTable(db.dataSource(), json, ValueType.JSON);
    try (JdbcStore<String, String> texts = keyValue(db, text, RowMapper.text("value"));
        JdbcStore<String, byte[]> blobs = keyValue(db, bytes, RowMapper.bytes("value"));
        JdbcStore<String, String> documents = keyValue(db, json, RowMapper.text("value"))) {
      commit(texts, List.of(new Mutation.Put<>("greeting", "héllo, 'world'; --")));
      commit(
          blobs,
          List.of(new Mutation.Put<>("raw", "\u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1))));
      commit(documents, List.of(new Mutation.Put<>("doc", "{\"delay\": 5, \"gate\": \"B7\"}")));

      assertThat(texts.load("greeting")).map(Versioned::value).contains("héllo, 'world'; --");
      assertThat(blobs.load("raw").orElseThrow().value()).containsExactly(0x00, 0xff);
      assertThat(documents.load("doc").orElseThrow().value().replace(" ", ""))
          .isIn("{\"delay\":5,\"gate\":\"B7\"}", "{\"gate\":\"B7\",\"delay\":5}");
      assertThat(texts.loadAll(List.of("greeting", "nothing"))).containsOnlyKeys("greeting");

      // several rows in one transaction: on PostgreSQL one upsert of arrays (text cast to the
      // column's type)
      String tricky = "{\"q\": [\"a \\\"quoted\\\" {brace}, comma\", null]}";
      commit(
          texts,
          List.of(
              new Mutation.Put<>("a", "x, {y}, \"z\" \\ NULL"),
              new Mutation.Put<>("b", ""),
              new Mutation.Put<>("greeting", "again")));
      commit(
          documents,
          List.of(new Mutation.Put<>("doc", tricky), new Mutation.Put<>("other", "[1, 2]")));
      commit(
          blobs,
          List.of(
              new Mutation.Put<>("r1", new byte[] {1}),
              new Mutation.Put<>("r2", new byte[] {2, 3})));
      assertThat(texts.loadAll(List.of("a", "b", "greeting")).values())
          .extracting(Versioned::value)
          .containsExactlyInAnyOrder("x, {y}, \"z\" \\ NULL", "", "again");
      assertThat(documents.load("doc").orElseThrow().value().replace(" ", ""))
          .isEqualTo(tricky.replace(" ", ""));
      assertThat(documents.load("other").orElseThrow().value().replace(" ", "")).isEqualTo("[1,2]");
      assertThat(blobs.load("r2").orElseThrow().value()).containsExactly(2, 3);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void schemaQualifiedTablesWithUuidAndIntegerKeys(TestDatabase db) {
    String schema = TestDatabase.uniqueName("ops");
    db.execute("CREATE SCHEMA " + schema);
    db.execute("CREATE TABLE " + schema + ".gate (id UUID PRIMARY KEY, name VARCHAR(10) NOT NULL)");
    db.execute("CREATE TABLE " + schema + ".seat (id INT PRIMARY KEY, name VARCHAR(10) NOT NULL)");
    JdbcSchema.addVersionColumn(db.dataSource(), schema + ".gate", "tandem_version");
    JdbcSchema.addVersionColumn(db.dataSource(), schema + ".seat", "tandem_version");
    java.util.UUID b7 = java.util.UUID.randomUUID();
    try (JdbcStore<java.util.UUID, String> gates =
            JdbcStore.<java.util.UUID, String>builder()
                .dataSource(db.dataSource())
                .table(schema + ".gate")
                .keyColumn("id", java.util.UUID.class)
                .rowMapper(RowMapper.text("name"))
                .build();
        JdbcStore<Integer, String> seats =
            JdbcStore.<Integer, String>builder()
                .dataSource(db.dataSource())
                .table(schema + ".seat")
                .keyColumn("id", Integer.class)
                .rowMapper(RowMapper.text("name"))
                .build()) {
      long gate = commit(gates, List.of(new Mutation.Put<>(b7, "B7"))).get(0).version();
      long seat =
          commit(seats, List.of(new Mutation.Put<>(12, "12A"), new Mutation.Put<>(13, "13C")))
              .get(0)
              .version();
      assertThat(gates.loadAll(List.of(b7, java.util.UUID.randomUUID())))
          .containsExactly(Map.entry(b7, new Versioned<>("B7", gate)));
      assertThat(seats.loadAll(List.of(12, 14)))
          .containsExactly(Map.entry(12, new Versioned<>("12A", seat)));
      assertThat(
              commit(seats, List.<Mutation<Integer, String>>of(new Mutation.Delete<>(13)))
                  .get(0)
                  .existed())
          .isTrue();
      assertThat(gates.toString()).containsIgnoringCase(schema + ".gate");
    }
  }

  private static <V> JdbcStore<String, V> keyValue(
      TestDatabase db, String table, RowMapper<V> mapper) {
    return JdbcStore.<String, V>builder()
        .dataSource(db.dataSource())
        .table(table)
        .keyColumn("key", String.class)
        .rowMapper(mapper)
        .build();
  }

  // ------------------------------------------------------------------ rejected values

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aValueTheMapperCannotWriteIsRejectedBeforeAnyStatement(TestDatabase db) {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    RowMapper<Flight> picky =
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
              throw new IllegalArgumentException("origin must be an IATA code");
            }
            return value.delayMinutes() > 999
                ? List.of(value.origin())
                : Flight.MAPPER.write(value);
          }
        };
    try (JdbcStore<Long, Flight> store =
        JdbcStore.<Long, Flight>builder()
            .dataSource(db.dataSource())
            .table(table)
            .keyColumn("flight_id", Long.class)
            .rowMapper(picky)
            .build()) {
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        assertThatThrownBy(
                () ->
                    tx.apply(
                        List.of(
                            new Mutation.Put<>(1L, new Flight("AMS", 1)),
                            new Mutation.Put<>(2L, new Flight("Schiphol", 1)))))
            .isInstanceOf(RejectedValueException.class)
            .hasMessageContaining("key 2")
            .hasMessageContaining("origin must be an IATA code")
            .satisfies(e -> assertThat(((RejectedValueException) e).key()).isEqualTo(2L));
        assertThatThrownBy(() -> tx.apply(List.of(new Mutation.Put<>(3L, new Flight("AMS", 1000)))))
            .isInstanceOf(RejectedValueException.class)
            .hasMessageContaining("1 values for the 2 columns")
            .satisfies(e -> assertThat(((RejectedValueException) e).key()).isEqualTo(3L));
        tx.commit(); // nothing was executed, so the transaction is still usable
      }
      assertThat(store.loadAll(List.of(1L, 2L, 3L))).isEmpty();
    }
  }

  // ------------------------------------------------------------------ locks and version order

  enum Write {
    PUT,
    DELETE,
    BATCH
  }

  /**
   * A writer blocked by {@code loadForUpdate} draws its version only after the lock holder
   * committed: if the version were drawn before the lock wait (for example if the planner ran
   * {@code nextval} before the folded advisory lock), the later commit would get the smaller one.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aWriterBlockedByLoadForUpdateCommitsLaterWithAGreaterVersion(TestDatabase db)
      throws Exception {
    for (Write write : Write.values()) {
      try (JdbcStore<Long, Flight> store = flights(db)) {
        long before = put(store, 1L, new Flight("AMS", 1)).version();
        Future<Written> writer;
        long holderVersion;
        try (StoreTransaction<Long, Flight> holder = store.begin()) {
          assertThat(holder.loadForUpdate(1L)).map(Versioned::version).contains(before);
          writer =
              executor.submit(
                  () ->
                      switch (write) {
                        case PUT -> put(store, 1L, new Flight("BER", 2));
                        case DELETE -> delete(store, 1L);
                        case BATCH ->
                            commit(
                                    store,
                                    List.of(
                                        new Mutation.Put<>(0L, new Flight("CPH", 0)),
                                        new Mutation.Put<>(1L, new Flight("BER", 2))))
                                .get(1);
                      });
          db.awaitBlocked(writer);
          holderVersion =
              holder.apply(List.of(new Mutation.Put<>(1L, new Flight("OSL", 3)))).get(0).version();
          holder.commit();
        }
        Written written = writer.get(30, TimeUnit.SECONDS);
        assertThat(written.version()).as(write.name()).isGreaterThan(holderVersion);
        assertThat(written.existed()).as(write.name()).isTrue();
        assertThat(store.load(1L))
            .as(write.name())
            .isEqualTo(
                write == Write.DELETE
                    ? Optional.empty()
                    : Optional.of(new Versioned<>(new Flight("BER", 2), written.version())));
      }
    }
  }

  /**
   * PostgreSQL and MariaDB lock absent keys too, so a delete of an absent key is ordered with a
   * create.
   */
  @ParameterizedTest
  @EnumSource(names = {"POSTGRESQL", "MARIADB"})
  void loadForUpdateLocksAnAbsentKey(TestDatabase db) throws Exception {
    try (JdbcStore<Long, Flight> store = flights(db)) {
      Future<Written> creator;
      long tombstone;
      try (StoreTransaction<Long, Flight> holder = store.begin()) {
        assertThat(holder.loadForUpdate(5L)).isEmpty();
        creator = executor.submit(() -> put(store, 5L, new Flight("AMS", 5)));
        db.awaitBlocked(creator);
        tombstone = holder.apply(List.of(new Mutation.Delete<Long, Flight>(5L))).get(0).version();
        holder.commit();
      }
      Written created = creator.get(30, TimeUnit.SECONDS);
      assertThat(created.version()).isGreaterThan(tombstone);
      assertThat(created.existed()).isFalse();
      assertThat(store.load(5L)).map(Versioned::version).contains(created.version());
    }
  }

  // ------------------------------------------------------------------ change log

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void theChangeLogRecordsEveryMutationInItsTransaction(TestDatabase db) {
    String table = TestDatabase.uniqueName("flight");
    String log = TestDatabase.uniqueName("flight_log");
    Flight.createTable(db, table);
    JdbcSchema.createChangeLogTable(db.dataSource(), log);
    JdbcSchema.createChangeLogTable(db.dataSource(), log); // idempotent
    try (JdbcStore<Long, Flight> store =
        JdbcStore.<Long, Flight>builder()
            .dataSource(db.dataSource())
            .table(table)
            .keyColumn("flight_id", Long.class)
            .rowMapper(Flight.MAPPER)
            .changeLog(log)
            .build()) {
      long v1 = put(store, 1L, new Flight("AMS", 1)).version();
      long v2 = put(store, 1L, new Flight("AMS", 2)).version();
      long v3 = delete(store, 1L).version();
      long v4 = delete(store, 2L).version();
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        tx.apply(List.of(new Mutation.Put<>(3L, new Flight("BER", 3))));
      } // rolled back: no log row either

      assertThat(logRows(db, log))
          .containsExactly(
              table + " 1 null " + v1 + " put",
              table + " 1 " + v1 + " " + v2 + " put",
              table + " 1 " + v2 + " " + v3 + " delete",
              table + " 2 null " + v4 + " delete");
    }
  }

  private static List<String> logRows(TestDatabase db, String log) {
    List<String> rows = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT table_name, row_key, old_version, new_version, operation, changed_at FROM "
                    + log
                    + " ORDER BY id");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        assertThat(rs.getObject("changed_at")).isNotNull();
        String tableName = rs.getString(1);
        rows.add(
            tableName.substring(tableName.indexOf('.') + 1).toLowerCase()
                + " "
                + rs.getString(2)
                + " "
                + rs.getObject(3)
                + " "
                + rs.getLong(4)
                + " "
                + rs.getString(5));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return rows;
  }

  // ------------------------------------------------------------------ schema and builder

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void addVersionColumnGivesExistingRowsDistinctPositiveVersions(TestDatabase db) {
    String table = TestDatabase.uniqueName("legacy");
    db.execute(
        "CREATE TABLE "
            + table
            + " (id BIGINT PRIMARY KEY, origin VARCHAR(3) NOT NULL,"
            + " delay_minutes INT NOT NULL)");
    db.execute(
        "INSERT INTO "
            + table
            + " (id, origin, delay_minutes) VALUES (1, 'AMS', 1), (2, 'BER', 2)");
    JdbcSchema.addVersionColumn(db.dataSource(), table, "tandem_version");
    JdbcSchema.addVersionColumn(db.dataSource(), table, "tandem_version"); // idempotent
    try (JdbcStore<Long, Flight> store =
        JdbcStore.<Long, Flight>builder()
            .dataSource(db.dataSource())
            .table(table)
            .keyColumn("id", Long.class)
            .rowMapper(Flight.MAPPER)
            .build()) {
      Map<Long, Versioned<Flight>> rows = store.loadAll(List.of(1L, 2L));
      assertThat(rows).hasSize(2);
      assertThat(rows.get(1L).version()).isPositive().isNotEqualTo(rows.get(2L).version());
      assertThat(put(store, 1L, new Flight("AMS", 9)).version())
          .isGreaterThan(Math.max(rows.get(1L).version(), rows.get(2L).version()));
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void identifiersThatAreNotPlainNamesAreRejected(TestDatabase db) {
    assertThatThrownBy(() -> JdbcStore.builder().table("flight; DROP TABLE x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table must be an identifier");
    assertThatThrownBy(() -> JdbcStore.builder().table("a.b.c"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> JdbcStore.<Long, String>builder().keyColumn("id\" OR 1=1 --", Long.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyColumn");
    assertThatThrownBy(() -> JdbcStore.builder().versionColumn("1version"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("versionColumn");
    assertThatThrownBy(() -> JdbcStore.builder().changeLog("log table"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("changeLog");
    assertThatThrownBy(() -> RowMapper.text("value'")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JdbcSchema.addVersionColumn(db.dataSource(), "t (x)", "v"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> JdbcSchema.createKeyValueTable(db.dataSource(), "kv--", ValueType.TEXT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JdbcSchema.createChangeLogTable(db.dataSource(), ""))
        .isInstanceOf(IllegalArgumentException.class);

    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    RowMapper<String> sneaky =
        new RowMapper<>() {
          @Override
          public List<String> columns() {
            return List.of("origin, (SELECT 1)");
          }

          @Override
          public String read(ResultSet rs) {
            return "";
          }

          @Override
          public List<?> write(String value) {
            return List.of(value);
          }
        };
    assertThatThrownBy(
            () ->
                JdbcStore.<Long, String>builder()
                    .dataSource(db.dataSource())
                    .table(table)
                    .keyColumn("flight_id", Long.class)
                    .rowMapper(sneaky)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rowMapper column");
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void buildChecksTheSchemaAndNamesTheSetting(TestDatabase db) {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    String bare = TestDatabase.uniqueName("bare");
    db.execute(
        "CREATE TABLE "
            + bare
            + " (id BIGINT NOT NULL, origin VARCHAR(3), delay_minutes INT, tandem_version BIGINT)");

    assertThatThrownBy(() -> builder(db, "no_such_table", "flight_id", Flight.MAPPER).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table: no table no_such_table");
    assertThatThrownBy(() -> builder(db, table, "id", Flight.MAPPER).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyColumn:")
        .hasMessageContaining("no column id");
    assertThatThrownBy(() -> builder(db, table, "flight_id", RowMapper.text("gate")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rowMapper:")
        .hasMessageContaining("gate");
    assertThatThrownBy(() -> builder(db, table, "flight_id", RowMapper.text("flight_id")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rowMapper:");
    assertThatThrownBy(
            () -> builder(db, table, "flight_id", Flight.MAPPER).versionColumn("version").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("versionColumn:")
        .hasMessageContaining("JdbcSchema.addVersionColumn");
    assertThatThrownBy(() -> builder(db, bare, "id", Flight.MAPPER).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("neither the primary key nor");
    assertThatThrownBy(
            () -> builder(db, table, "flight_id", Flight.MAPPER).changeLog("no_log").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("changeLog: no table no_log");

    db.execute("ALTER TABLE " + bare + " ADD PRIMARY KEY (id)");
    assertThatThrownBy(() -> builder(db, bare, "id", Flight.MAPPER).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no version sequence")
        .hasMessageContaining("addVersionColumn");
  }

  @Test
  void eachSettingIsMadeOnceAndTheRequiredOnesAreChecked() {
    JdbcStore.Builder<Long, Flight> builder =
        JdbcStore.<Long, Flight>builder()
            .table("flight")
            .keyColumn("flight_id", Long.class)
            .rowMapper(Flight.MAPPER)
            .versionColumn("v")
            .changeLog("log");
    assertThatThrownBy(() -> builder.table("other"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("table was already set to flight");
    assertThatThrownBy(() -> builder.keyColumn("id", Long.class))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> builder.rowMapper(Flight.MAPPER))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> builder.versionColumn("w")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> builder.changeLog("log2")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("dataSource or jdbcUrl must be set");
    builder.jdbcUrl("jdbc:h2:mem:x", null, null);
    assertThatThrownBy(() -> builder.dataSource(TestDatabase.H2.dataSource()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connection was already set");

    assertThatThrownBy(() -> JdbcStore.builder().jdbcUrl("postgresql://x", null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JdbcStore.<Double, String>builder().keyColumn("id", Double.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("String, Long, Integer or UUID");
    assertThatThrownBy(
            () ->
                JdbcStore.<Long, String>builder()
                    .dataSource(TestDatabase.H2.dataSource())
                    .keyColumn("k", Long.class)
                    .rowMapper(RowMapper.text("v"))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("table must be set");
    assertThatThrownBy(() -> JdbcStore.builder().dataSource(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("dataSource");
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void connectionsThatAreNotReadCommittedAreRefused(TestDatabase db) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(db.createDataSource());
    config.setTransactionIsolation("TRANSACTION_SERIALIZABLE");
    try (HikariDataSource serializable = new HikariDataSource(config)) {
      assertThatThrownBy(
              () ->
                  JdbcStore.<Long, Flight>builder()
                      .dataSource(serializable)
                      .table("flight")
                      .keyColumn("flight_id", Long.class)
                      .rowMapper(Flight.MAPPER)
                      .build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("READ COMMITTED");
    }
  }

  private static <V> JdbcStore.Builder<Long, V> builder(
      TestDatabase db, String table, String key, RowMapper<V> mapper) {
    return JdbcStore.<Long, V>builder()
        .dataSource(db.dataSource())
        .table(table)
        .keyColumn(key, Long.class)
        .rowMapper(mapper);
  }

  // ------------------------------------------------------------------ PostgreSQL specifics

  @Test
  void aSequenceThatCachesValuesPerSessionIsRefused() {
    TestDatabase db = TestDatabase.POSTGRESQL;
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(db, table);
    db.execute("ALTER SEQUENCE " + table + "_tandem_seq CACHE 20");
    assertThatThrownBy(() -> Flight.store(db, table))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("caches 20 values per session");
  }

  /** A commit the database refuses (a deferred foreign key) did not happen: a plain failure. */
  @Test
  void aCommitTheDatabaseRefusesIsNotAmbiguous() {
    TestDatabase db = TestDatabase.POSTGRESQL;
    String table = TestDatabase.uniqueName("flight");
    String parent = TestDatabase.uniqueName("airline");
    db.execute("CREATE TABLE " + parent + " (id BIGINT PRIMARY KEY)");
    Flight.createTable(db, table);
    db.execute(
        "ALTER TABLE "
            + table
            + " ADD CONSTRAINT "
            + table
            + "_fk FOREIGN KEY (flight_id) REFERENCES "
            + parent
            + " (id) DEFERRABLE INITIALLY DEFERRED");
    try (JdbcStore<Long, Flight> store = Flight.store(db, table);
        StoreTransaction<Long, Flight> tx = store.begin()) {
      tx.apply(List.of(new Mutation.Put<>(1L, new Flight("AMS", 1))));
      assertThatThrownBy(tx::commit)
          .isInstanceOf(JdbcStoreException.class)
          .isNotInstanceOf(AmbiguousCommitException.class)
          .hasMessageContaining("commit on")
          .satisfies(e -> assertThat(((JdbcStoreException) e).sqlState()).isEqualTo("23503"));
      assertThat(store.load(1L)).isEmpty();
    }
  }

  /** A commit whose connection breaks may or may not have happened: ambiguous. */
  @Test
  void aCommitWhoseConnectionBreaksIsAmbiguous() {
    TestDatabase db = TestDatabase.POSTGRESQL;
    try (JdbcStore<Long, Flight> store = flights(db);
        StoreTransaction<Long, Flight> tx = store.begin()) {
      tx.apply(List.of(new Mutation.Put<>(1L, new Flight("AMS", 1))));
      int terminated =
          db.queryInt(
              "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                  + " WHERE datname = current_database() AND state = 'idle in transaction' AND query LIKE ?",
              "%" + "pg_advisory_xact_lock%");
      assertThat(terminated).isEqualTo(1);
      assertThatThrownBy(tx::commit)
          .isInstanceOf(AmbiguousCommitException.class)
          .hasMessageContaining("whether the transaction committed is unknown");
      tx.close(); // never throws for the rollback of a dead connection
      assertThat(store.load(1L)).isEmpty();
    }
  }

  /**
   * pgjdbc options users set for speed: {@code reWriteBatchedInserts} turns an upsert batch into
   * one multi-row INSERT (which fails if a key repeats) and {@code prepareThreshold=1} prepares
   * every statement, multi-statement ones included, on the server from its first use.
   */
  @Test
  void worksWithRewrittenBatchesAndServerPreparedStatements() {
    PostgresServer server = PostgresServer.shared();
    String database = TestDatabase.uniqueName("pgjdbc_options");
    server.createDatabase(database);
    javax.sql.DataSource plain = server.dataSourceOf(database);
    String table = "flight";
    try (Connection c = plain.getConnection();
        java.sql.Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE flight (flight_id BIGINT PRIMARY KEY, origin VARCHAR(3) NOT NULL,"
              + " delay_minutes INT NOT NULL)");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    JdbcSchema.addVersionColumn(plain, table, "tandem_version");
    try (JdbcStore<Long, Flight> store =
        JdbcStore.<Long, Flight>builder()
            .jdbcUrl(
                server.jdbcUrl(database) + "&reWriteBatchedInserts=true&prepareThreshold=1",
                null,
                null)
            .table(table)
            .keyColumn("flight_id", Long.class)
            .rowMapper(Flight.MAPPER)
            .build()) {
      long last = 0;
      for (int round = 0; round < 8; round++) {
        List<Written> written =
            commit(
                store,
                List.of(
                    new Mutation.Put<>(1L, new Flight("AMS", round)),
                    new Mutation.Put<>(2L, new Flight("BER", round)),
                    new Mutation.Put<>(1L, new Flight("AMS", round + 100)),
                    new Mutation.Delete<>(3L)));
        assertThat(written).extracting(Written::version).isSorted().doesNotHaveDuplicates();
        assertThat(written.get(0).version()).isGreaterThan(last);
        Written single = put(store, 3L, new Flight("CPH", round));
        Written gone = delete(store, 3L);
        assertThat(gone.existed()).isTrue();
        try (StoreTransaction<Long, Flight> tx = store.begin()) {
          assertThat(tx.loadForUpdate(1L))
              .map(Versioned::value)
              .contains(new Flight("AMS", round + 100));
          tx.commit();
        }
        last = gone.version();
        assertThat(last).isGreaterThan(single.version());
        assertThat(store.loadAll(List.of(1L, 2L, 3L))).containsOnlyKeys(1L, 2L);
      }
    }
  }

  @Test
  void aStoreThatCreatedItsPoolClosesIt() {
    PostgresServer server = PostgresServer.shared();
    server.createDatabase("owned_pool");
    JdbcSchema.createKeyValueTable(server.dataSourceOf("owned_pool"), "kv", ValueType.TEXT);
    JdbcStore<String, String> store =
        JdbcStore.<String, String>builder()
            .jdbcUrl(server.jdbcUrl("owned_pool"), PostgresServer.USER, null)
            .table("kv")
            .keyColumn("key", String.class)
            .rowMapper(RowMapper.text("value"))
            .build();
    commit(store, List.of(new Mutation.Put<>("a", "1")));
    assertThat(store.load("a")).map(Versioned::value).contains("1");
    assertThat(store).hasToString("JdbcStore{postgresql public.kv}");

    store.close();
    store.close();
    assertThatThrownBy(store::begin)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.load("a")).isInstanceOf(JdbcStoreException.class);
  }
}
