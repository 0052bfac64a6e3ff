package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.Versioned;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.testkit.server.H2Database;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RowMapper#ofRecord} and {@link RowMapper#ofClass}: names, types, and the start-up check
 * against an H2 table.
 */
class ComponentMapperTest {

  enum Status {
    ON_TIME,
    DELAYED
  }

  /** Package-private on purpose: the class path opens it to the mapper. */
  record Departure(
      String origin,
      int delayMinutes,
      Long gate,
      Status status,
      BigDecimal fare,
      UUID aircraft,
      LocalDate flightDay,
      LocalDateTime boarding,
      Instant departed,
      boolean international,
      byte[] manifest) {}

  record Narrow(String origin, int delayMinutes) {}

  record Wide(String origin, long delayMinutes) {}

  record WithText(String origin, String delayMinutes) {}

  record Missing(String origin, int delayMinutes, String terminal) {}

  /** A class with a constructor of named parameters and accessors. */
  public static final class Leg {
    private final String origin;
    private final int delayMinutes;

    public Leg(String origin, int delayMinutes) {
      this.origin = origin;
      this.delayMinutes = delayMinutes;
    }

    public String getOrigin() {
      return origin;
    }

    public int getDelayMinutes() {
      return delayMinutes;
    }
  }

  /** A JavaBean. */
  public static final class Stop {
    private String origin = "";
    private Integer delayMinutes;
    private boolean international;

    public String getOrigin() {
      return origin;
    }

    public void setOrigin(String origin) {
      this.origin = origin;
    }

    public Integer getDelayMinutes() {
      return delayMinutes;
    }

    public void setDelayMinutes(Integer delayMinutes) {
      this.delayMinutes = delayMinutes;
    }

    public boolean isInternational() {
      return international;
    }

    public void setInternational(boolean international) {
      this.international = international;
    }
  }

  /** Neither a named constructor (a parameter without an accessor) nor a no-argument one. */
  public static final class Opaque {
    private final String origin;

    public Opaque(String code) {
      this.origin = code;
    }

    public String getOrigin() {
      return origin;
    }
  }

  private static H2Database h2;
  private static DataSource db;

  @BeforeAll
  static void startDatabase() {
    h2 = H2Database.inMemory();
    db = h2.dataSource();
    execute(
        "CREATE TABLE departure (id BIGINT PRIMARY KEY, origin VARCHAR(3) NOT NULL, delay_minutes INT,"
            + " gate BIGINT, status VARCHAR(16), fare NUMERIC(10, 2), aircraft UUID, flight_day DATE, boarding TIMESTAMP,"
            + " departed TIMESTAMP WITH TIME ZONE, international BOOLEAN, manifest VARBINARY(64))");
    JdbcSchema.addVersionColumn(db, "departure", "tandem_version");
  }

  @AfterAll
  static void stopDatabase() {
    h2.close();
  }

  private static void execute(String sql) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static <V> JdbcStore<Long, V> store(RowMapper<V> mapper) {
    return JdbcStore.<Long, V>builder()
        .dataSource(db)
        .table("departure")
        .keyColumn("id", Long.class)
        .rowMapper(mapper)
        .build();
  }

  private static <V> void put(JdbcStore<Long, V> store, long key, V value) {
    try (StoreTransaction<Long, V> tx = store.begin()) {
      tx.applyAndCommit(List.of(new Mutation.Put<>(key, value)));
    }
  }

  @Test
  void componentsAreColumnsInSnakeCase() {
    assertThat(ComponentMapper.columnName("delayMinutes")).isEqualTo("delay_minutes");
    assertThat(ComponentMapper.columnName("origin")).isEqualTo("origin");
    assertThat(ComponentMapper.columnName("httpURL")).isEqualTo("http_url");
    assertThat(ComponentMapper.columnName("flightNo2")).isEqualTo("flight_no2");
    assertThat(ComponentMapper.columnName("aBTest")).isEqualTo("a_b_test");
    assertThat(RowMapper.ofRecord(Narrow.class).columns())
        .containsExactly("origin", "delay_minutes");
  }

  @Test
  void everySupportedTypeTravelsThroughTheTableAndBack() {
    RowMapper<Departure> mapper = RowMapper.ofRecord(Departure.class);
    Departure written =
        new Departure(
            "OSL",
            17,
            42L,
            Status.DELAYED,
            new BigDecimal("129.90"),
            UUID.fromString("8a7c5f2e-0d3b-4c1e-9f00-1234567890ab"),
            LocalDate.of(2026, 12, 7),
            LocalDateTime.of(2026, 12, 7, 21, 5),
            Instant.parse("2026-12-07T20:35:00Z"),
            true,
            new byte[] {1, 2, 3});
    try (JdbcStore<Long, Departure> store = store(mapper)) {
      put(store, 1L, written);
      Departure read = store.load(1L).map(Versioned::value).orElseThrow();
      assertThat(read).usingRecursiveComparison().isEqualTo(written);
    }
  }

  @Test
  void aNullColumnIsANullBoxAndRefusedForAPrimitive() {
    try (JdbcStore<Long, Departure> store = store(RowMapper.ofRecord(Departure.class))) {
      put(
          store,
          2L,
          new Departure("BGO", 0, null, null, null, null, null, null, null, false, null));
      assertThat(store.load(2L).map(Versioned::value).map(Departure::gate))
          .isEqualTo(Optional.empty());
      execute("UPDATE departure SET delay_minutes = NULL WHERE id = 2");
      assertThatThrownBy(() -> store.load(2L))
          .hasRootCauseMessage(
              "column delay_minutes is NULL but the record"
                  + " component Departure.delayMinutes is a int; make it a Integer or the column NOT NULL");
    }
  }

  @Test
  void aMissingColumnFailsTheBuildNamingTheComponent() {
    assertThatThrownBy(() -> store(RowMapper.ofRecord(Missing.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "rowMapper: table PUBLIC.DEPARTURE has no column terminal for the record component"
                + " Missing.terminal");
  }

  @Test
  void aColumnOfAnotherTypeFailsTheBuildNamingColumnAndComponent() {
    assertThatThrownBy(() -> store(RowMapper.ofRecord(WithText.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "rowMapper: column DELAY_MINUTES of PUBLIC.DEPARTURE is of SQL type integer, which does not hold"
                + " the record component WithText.delayMinutes of type String (a text type)");
    execute(
        "CREATE TABLE narrow_departure (id BIGINT PRIMARY KEY, origin VARCHAR(3), delay_minutes BIGINT)");
    JdbcSchema.addVersionColumn(db, "narrow_departure", "tandem_version");
    assertThatThrownBy(
            () ->
                JdbcStore.<Long, Narrow>builder()
                    .dataSource(db)
                    .table("narrow_departure")
                    .keyColumn("id", Long.class)
                    .rowMapper(RowMapper.ofRecord(Narrow.class))
                    .build())
        .hasMessageContaining(
            "column DELAY_MINUTES of PUBLIC.NARROW_DEPARTURE is of SQL type bigint, which does"
                + " not hold the record component Narrow.delayMinutes of type int");
    store(RowMapper.ofRecord(Wide.class)).close(); // a long holds an integer column
  }

  @Test
  void aClassWithAConstructorOfNamedParametersTravelsThroughTheTableAndBack() {
    RowMapper<Leg> mapper = RowMapper.ofClass(Leg.class);
    assertThat(mapper.columns()).containsExactly("origin", "delay_minutes");
    try (JdbcStore<Long, Leg> store = store(mapper)) {
      put(store, 3L, new Leg("TOS", 8));
      assertThat(store.load(3L).map(Versioned::value).orElseThrow())
          .usingRecursiveComparison()
          .isEqualTo(new Leg("TOS", 8));
    }
  }

  @Test
  void aJavaBeanTravelsThroughTheTableAndBackInFieldOrder() {
    RowMapper<Stop> mapper = RowMapper.ofClass(Stop.class);
    assertThat(mapper.columns()).containsExactly("origin", "delay_minutes", "international");
    Stop stop = new Stop();
    stop.setOrigin("BOO");
    stop.setDelayMinutes(null);
    stop.setInternational(true);
    try (JdbcStore<Long, Stop> store = store(mapper)) {
      put(store, 4L, stop);
      assertThat(store.load(4L).map(Versioned::value).orElseThrow())
          .usingRecursiveComparison()
          .isEqualTo(stop);
    }
  }

  @Test
  void aClassWithoutAMappableConstructorIsRefused() {
    assertThatThrownBy(() -> RowMapper.ofClass(Opaque.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has neither a public constructor whose parameters all have names");
    assertThatThrownBy(() -> RowMapper.ofClass(Runnable.class))
        .hasMessageContaining("is not a record or a concrete, non-inner class");
  }

  @Test
  void aTypeWithoutAMappingIsRefusedNamingTheComponent() {
    record Odd(String origin, StringBuilder note) {}
    assertThatThrownBy(() -> RowMapper.ofRecord(Odd.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "rowMapper: the record component Odd.note is of type java.lang.StringBuilder");
  }
}
