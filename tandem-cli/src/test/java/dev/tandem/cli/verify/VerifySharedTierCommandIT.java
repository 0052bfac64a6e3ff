package dev.tandem.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.Tandem;
import dev.tandem.cli.CliRun;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.jdbc.RowMapper;
import dev.tandem.redis.Codec;
import dev.tandem.redis.RedisTier;
import dev.tandem.testkit.server.PostgresServer;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem verify --redis-url --key-prefix}: an application writes a PostgreSQL table through
 * a shared Redis tier, rows are changed with plain SQL behind it, and the command, run as an
 * operator would against the live cache, finds them, repairs them by invalidation only, and then
 * finds nothing.
 */
class VerifySharedTierCommandIT {

  private static int databases;

  private String database;
  private String prefix;
  private DataSource dataSource;
  private RedisTier<Long, String> tier;
  private Tandem<Long, String> application;

  @BeforeEach
  void anApplicationWritesTwentyAccountsThroughRedis() throws SQLException {
    database = "verify_live_" + ++databases;
    prefix = "verify-live-" + ProcessHandle.current().pid() + "-" + databases + ":";
    dataSource = PostgresServer.shared().createDatabase(database);
    sql("CREATE TABLE account (id BIGINT PRIMARY KEY, owner TEXT NOT NULL)");
    JdbcSchema.addVersionColumn(dataSource, "account", "tandem_version");
    JdbcStore<Long, String> store =
        JdbcStore.<Long, String>builder()
            .dataSource(dataSource)
            .table("account")
            .keyColumn("id", Long.class)
            .rowMapper(RowMapper.text("owner"))
            .build();
    tier =
        RedisTier.<Long, String>builder(Codec.string())
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .build();
    application = Tandem.builder(store).cacheTier(tier).build();
    for (long id = 1; id <= 20; id++) {
      application.put(id, "owner " + id);
    }
  }

  @AfterEach
  void stopTheApplication() {
    application.close();
  }

  @Test
  void findsARowChangedBySqlRepairsItByInvalidatingAndThenFindsNothing() throws SQLException {
    sql("UPDATE account SET owner = 'mallory' WHERE id = 7");
    Map<String, String> database = rows();
    Map<String, String> entries = entries();

    CliRun found = verify("--codec", "text");

    assertThat(found.exitCode()).as(found.toString()).isEqualTo(1);
    assertThat(found.out())
        .containsPattern("(?m)^\\s+7\\s+value differs\\s+(\\d+)\\s+\\1\\s+owner 7\\s+mallory$")
        .contains(
            "Checked 20 keys: 20 cached, 1 differ from the database.", "INCONSISTENT", "read-only");
    assertThat(application.get(7L))
        .as("the application still reads the cached copy")
        .contains("owner 7");
    assertThat(entries())
        .as("a check without --repair changes no entry")
        .containsExactlyInAnyOrderEntriesOf(entries);

    CliRun repaired = verify("--codec", "text", "--repair");

    assertThat(repaired.exitCode()).as(repaired.toString()).isZero();
    assertThat(repaired.out()).contains("REPAIRED", "repaired 1 of 1");
    assertThat(tier.getIfPresent(7L)).as("the entry was invalidated, not rewritten").isNull();
    Map<String, String> after = entries();
    entries.keySet().removeIf(name -> name.equals(prefix + "{7}"));
    assertThat(after).as("no other entry was touched").containsExactlyInAnyOrderEntriesOf(entries);
    assertThat(rows()).as("the database was not written").isEqualTo(database);
    assertThat(application.get(7L)).contains("mallory");

    CliRun again = verify("--codec", "text");

    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("CONSISTENT");
  }

  @Test
  void withOpaqueValuesDeletedAndNewerRowsAreFoundByTheirVersions() throws SQLException {
    sql("DELETE FROM account WHERE id = 3");
    sql("UPDATE account SET owner = 'eve', tandem_version = tandem_version + 1000 WHERE id = 4");

    CliRun run = verify();

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.out())
        .containsPattern("(?m)^\\s+3\\s+row deleted\\s+\\d+\\s+no row\\s")
        .containsPattern("(?m)^\\s+4\\s+cache is older\\s")
        .contains("Checked 20 keys: 20 cached, 2 differ from the database.");
  }

  @Test
  void aPrefixWithoutEntriesSaysSo() {
    CliRun run =
        CliRun.of(
            "verify",
            "--jdbc-url",
            PostgresServer.shared().jdbcUrl(database),
            "--table",
            "account",
            "--redis-url",
            RedisServer.shared().uri(),
            "--key-prefix",
            prefix + "typo:");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("No entries under the key prefix " + prefix + "typo:");
  }

  @Test
  void aRedisThatCannotBeReachedIsAOneLineErrorWithExitCode1() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    CliRun run =
        CliRun.of(
            "verify",
            "--jdbc-url",
            PostgresServer.shared().jdbcUrl(database),
            "--table",
            "account",
            "--redis-url",
            "redis://127.0.0.1:" + closedPort,
            "--key-prefix",
            prefix);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.errLines()).anyMatch(line -> line.contains("Redis at 127.0.0.1:" + closedPort));
  }

  @Test
  void usageMistakesAreRefusedWithExitCode2() {
    String jdbc = PostgresServer.shared().jdbcUrl(database);
    String redis = RedisServer.shared().uri();

    assertThat(CliRun.of("verify", "--jdbc-url", jdbc, "--redis-url", redis).errLines())
        .anyMatch(line -> line.contains("--redis-url needs --key-prefix"));
    assertThat(CliRun.of("verify", "--jdbc-url", jdbc, "--key-prefix", prefix).exitCode())
        .isEqualTo(2);
    assertThat(
            CliRun.of(
                    "verify",
                    "--jdbc-url",
                    jdbc,
                    "--redis-url",
                    redis,
                    "--key-prefix",
                    prefix,
                    "--sample",
                    "3")
                .exitCode())
        .isEqualTo(2);
    assertThat(
            CliRun.of(
                    "verify",
                    "--jdbc-url",
                    jdbc,
                    "--redis-url",
                    redis,
                    "--key-prefix",
                    prefix,
                    "--codec",
                    "xml")
                .exitCode())
        .isEqualTo(2);
  }

  private CliRun verify(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "verify",
                "--jdbc-url",
                PostgresServer.shared().jdbcUrl(database),
                "--table",
                "account",
                "--redis-url",
                RedisServer.shared().uri(),
                "--key-prefix",
                prefix,
                "--recheck-delay",
                "100"));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(new String[0]));
  }

  /**
   * Returns every entry of the prefix with its bytes (as ISO-8859-1 text, so that maps compare
   * them).
   */
  private Map<String, String> entries() {
    RedisClient client = RedisClient.create(RedisServer.shared().uri());
    try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
      Map<String, String> found = new TreeMap<>();
      ScanArgs args =
          ScanArgs.Builder.matches((prefix + "{*}").getBytes(StandardCharsets.UTF_8)).limit(1000);
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<byte[]> page = c.sync().scan(cursor, args);
        for (byte[] key : page.getKeys()) {
          found.put(
              new String(key, StandardCharsets.UTF_8),
              new String(c.sync().get(key), StandardCharsets.ISO_8859_1));
        }
        cursor = page;
      } while (!cursor.isFinished());
      return found;
    } finally {
      client.shutdown();
    }
  }

  private Map<String, String> rows() throws SQLException {
    Map<String, String> rows = new TreeMap<>();
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, owner, tandem_version FROM account")) {
      while (rs.next()) {
        rows.put(rs.getString(1), rs.getString(2) + "@" + rs.getLong(3));
      }
    }
    return rows;
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
