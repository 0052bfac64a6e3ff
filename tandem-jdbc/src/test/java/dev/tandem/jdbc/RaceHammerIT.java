package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.Tandem;
import dev.tandem.local.LocalTier;
import dev.tandem.testkit.naive.NaiveWriteThrough;
import dev.tandem.testkit.race.RaceHammer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Many threads hammer few keys of a real database through Tandem (races H1, H2, H3, H6): no read is
 * older than a put that returned before it began, and after quiescence the cache agrees with the
 * database. The same hammer catches the naive write-through class, which shows it can fail.
 *
 * <p>Seeds are printed; replay one with {@code -Dtandem.seed=N}.
 */
@Tag("race")
abstract class RaceHammerIT {

  /** Returns a data source of an empty database of its own. */
  abstract DataSource freshDatabase();

  private static final RowMapper<Long> LONG_VALUE = new LongColumn("v");

  private JdbcStore<String, Long> store(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE race (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
    }
    JdbcSchema.addVersionColumn(ds, "race", "tandem_version");
    return JdbcStore.<String, Long>builder()
        .dataSource(ds)
        .table("race")
        .keyColumn("k", String.class)
        .rowMapper(LONG_VALUE)
        .build();
  }

  private static long seed() {
    String fixed = System.getProperty("tandem.seed");
    return fixed != null ? Long.parseLong(fixed) : System.nanoTime();
  }

  private static RaceHammer.Config config(long seed) {
    return new RaceHammer.Config(8, 6, 1_500, Duration.ofSeconds(40), seed);
  }

  @Test
  void tandemServesNoStaleReadAndConverges() throws Exception {
    JdbcStore<String, Long> store = store(freshDatabase());
    try (Tandem<String, Long> tandem =
        Tandem.builder(store)
            .cacheTier(
                LocalTier.<String, Long>builder().maximumSize(3).build()) // constant eviction
            .build()) {
      RaceHammer.Report report = RaceHammer.run(tandem, store, config(seed()));
      System.out.println("tandem: " + report);
      assertThat(report.examples()).isEmpty();
      assertThat(report.consistent()).isTrue();
      assertThat(report.operations()).isPositive();
    }
  }

  @Test
  void theSameHammerCatchesTheNaiveWriteThrough() throws Exception {
    JdbcStore<String, Long> store = store(freshDatabase());
    List<RaceHammer.Report> reports = new ArrayList<>();
    try (NaiveWriteThrough<String, Long> naive = new NaiveWriteThrough<>(store, 3)) {
      for (int attempt = 0; attempt < 5; attempt++) {
        RaceHammer.Report report = RaceHammer.run(naive, store, config(seed()));
        System.out.println("naive, attempt " + attempt + ": " + report);
        reports.add(report);
        if (!report.consistent()) {
          break;
        }
      }
    }
    assertThat(reports)
        .as("the naive class must be caught within five runs")
        .anyMatch(r -> !r.consistent());
  }
}
