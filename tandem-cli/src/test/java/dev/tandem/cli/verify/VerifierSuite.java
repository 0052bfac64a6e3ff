package dev.tandem.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.jdbc.RowMapper;
import dev.tandem.jdbc.ValueType;
import dev.tandem.local.LocalTier;
import dev.tandem.verify.Mismatch;
import dev.tandem.verify.Verifier;
import dev.tandem.verify.VerifyReport;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The verifier over a real table: rows written through Tandem, then changed by plain SQL behind its
 * back, found, and repaired. Run once per database by the subclasses.
 */
abstract class VerifierSuite {

  private DataSource dataSource;
  private JdbcStore<String, String> store;
  private LocalTier<String, String> tier;
  private Tandem<String, String> tandem;

  /** Returns a data source of a new, empty database. */
  abstract DataSource newDatabase();

  @BeforeEach
  void writeTenRowsThroughTandem() {
    dataSource = newDatabase();
    JdbcSchema.createKeyValueTable(dataSource, "account", ValueType.TEXT);
    store =
        JdbcStore.<String, String>builder()
            .dataSource(dataSource)
            .table("account")
            .keyColumn("key", String.class)
            .rowMapper(RowMapper.text("value"))
            .build();
    tier = LocalTier.<String, String>builder().maximumSize(100).build();
    tandem = Tandem.builder(store).cacheTier(tier).build();
    for (int i = 0; i < 10; i++) {
      tandem.put("k" + i, "balance " + (100 * i));
    }
  }

  @AfterEach
  void close() {
    tandem.close();
  }

  @Test
  void aCacheWrittenThroughTandemIsConsistent() throws SQLException {
    VerifyReport<String, String> report = verifier().verify(keys());

    assertThat(report.consistent()).isTrue();
    assertThat(report.checked()).isEqualTo(10);
    assertThat(report.cached()).isEqualTo(10);
  }

  @Test
  void findsARowUpdatedBySqlBehindTandemsBackAndRepairsIt() throws SQLException {
    long version = tandem.getVersioned("k3").orElseThrow().version();
    sql(
        "UPDATE account SET "
            + column("value")
            + " = 'balance 0 (fraud)' WHERE "
            + column("key")
            + " = 'k3'");

    VerifyReport<String, String> found = verifier().verify(keys());

    assertThat(found.mismatches())
        .singleElement()
        .isEqualTo(
            new Mismatch<>(
                "k3",
                Mismatch.Kind.VALUE_DIFFERS,
                version,
                version,
                "balance 300",
                "balance 0 (fraud)"));
    assertThat(tandem.get("k3")).as("still served from the cache").contains("balance 300");

    VerifyReport<String, String> repaired = verifier().verifyAndRepair(keys());

    assertThat(repaired.repaired()).isEqualTo(1);
    assertThat(repaired.consistentNow()).isTrue();
    assertThat(tandem.get("k3")).contains("balance 0 (fraud)");
    assertThat(verifier().verify(keys()).consistent()).isTrue();
  }

  @Test
  void findsRowsDeletedAndInsertedBehindTandemsBack() throws SQLException {
    tandem.get("k10"); // caches its absence
    sql("DELETE FROM account WHERE " + column("key") + " = 'k5'");
    sql(
        "INSERT INTO account ("
            + column("key")
            + ", "
            + column("value")
            + ") VALUES ('k10', 'opened by SQL')");

    VerifyReport<String, String> report = verifier().verify(List.of("k5", "k10"));

    assertThat(report.mismatches())
        .extracting(Mismatch::key, Mismatch::kind)
        .containsExactly(tuple("k5", Mismatch.Kind.DELETED), tuple("k10", Mismatch.Kind.MISSING));
    assertThat(report.mismatches().get(1).databaseVersion())
        .as("the column default drew a version")
        .isPositive();
  }

  @Test
  void findsACacheMadeStaleByAWriteOfAnotherNode() throws SQLException {
    try (Tandem<String, String> otherNode =
        Tandem.builder(
                JdbcStore.<String, String>builder()
                    .dataSource(dataSource)
                    .table("account")
                    .keyColumn("key", String.class)
                    .rowMapper(RowMapper.text("value"))
                    .build())
            .build()) {
      otherNode.put("k7", "balance 7000");
    }

    VerifyReport<String, String> report = verifier().verify(keys());

    assertThat(report.mismatches())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.kind()).isEqualTo(Mismatch.Kind.STALE);
              assertThat(m.cacheVersion()).isLessThan(m.databaseVersion());
            });
  }

  private Verifier<String, String> verifier() {
    return Verifier.builder(store).tier(tier).build();
  }

  private List<String> keys() throws SQLException {
    return TableKeys.of(dataSource, "account", "key", String.class);
  }

  /**
   * The column as JdbcSchema created it: quoted, in the database's case ("key" is reserved in H2
   * and MariaDB).
   */
  private String column(String name) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      String product = c.getMetaData().getDatabaseProductName();
      if (product.equals("MariaDB")) {
        return "`" + name + "`";
      }
      return "\"" + (product.equals("H2") ? name.toUpperCase(Locale.ROOT) : name) + "\"";
    }
  }

  /** Returns the data source of this suite's database, for the subclass's own checks. */
  DataSource dataSource() {
    return dataSource;
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
