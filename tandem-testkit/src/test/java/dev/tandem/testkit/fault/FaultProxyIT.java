package dev.tandem.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy's faults, seen by plain JDBC connections to a real PostgreSQL server. */
class FaultProxyIT {

  private static final Duration FOREVER = Duration.ofHours(1);
  private static final ExecutorService executor = Executors.newCachedThreadPool();

  private FaultProxy proxy;
  private DataSource direct;
  private DataSource proxied;

  @AfterAll
  static void stopExecutor() {
    executor.shutdownNow();
  }

  @BeforeEach
  void startProxy() throws SQLException {
    PostgresServer server = PostgresServer.shared();
    direct = server.dataSource();
    String database;
    try (Connection c = direct.getConnection()) {
      database = c.getCatalog();
    }
    execute(direct, "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)");
    proxy = FaultProxy.start("localhost", server.port());
    proxied = PostgresFaults.dataSource(proxy, database);
  }

  @AfterEach
  void closeProxy() {
    proxy.close();
  }

  @Test
  void forwardsConnectionsAndCountsThem() throws SQLException {
    try (Connection c = proxied.getConnection()) {
      assertThat(query(c, "SELECT 'through the proxy'")).isEqualTo("through the proxy");
      assertThat(proxy.openConnections()).isEqualTo(1);
      assertThat(proxy.acceptedConnections()).isEqualTo(1);
    }
    awaitTrue(() -> proxy.openConnections() == 0, "the closed connection to leave the proxy");
    assertThat(proxy.host()).isEqualTo("127.0.0.1");
    assertThat(proxy.port()).isNotEqualTo(PostgresServer.shared().port());
  }

  @Test
  void droppedConnectionsFailAtTheirNextStatementAndNewOnesWork() throws SQLException {
    try (Connection one = proxied.getConnection();
        Connection two = proxied.getConnection()) {
      assertThat(query(one, "SELECT 1")).isEqualTo("1");
      assertThat(proxy.dropConnections()).isEqualTo(2);
      assertThatThrownBy(() -> query(one, "SELECT 1"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
      assertThatThrownBy(() -> query(two, "SELECT 1")).isInstanceOf(SQLException.class);
    }
    try (Connection three = proxied.getConnection()) {
      assertThat(query(three, "SELECT 3")).isEqualTo("3");
    }
  }

  @Test
  void aStoppedProxyFailsNewConnectionsButKeepsOpenOnesUntilResumed() throws SQLException {
    try (Connection open = proxied.getConnection()) {
      proxy.stopAccepting();
      assertThatThrownBy(proxied::getConnection)
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
      assertThat(query(open, "SELECT 'still open'")).isEqualTo("still open");
      proxy.resumeAccepting();
      try (Connection again = proxied.getConnection()) {
        assertThat(query(again, "SELECT 'again'")).isEqualTo("again");
      }
    }
    assertThat(proxy.acceptedConnections()).isEqualTo(2);
  }

  /**
   * The longest gap spans a client cut off (its connection reset, new ones refused) until its next
   * connection gets through: no less than the time the test knows it had none, no more than from
   * the reset to the new connection. Refused attempts do not end it; a gap before the first
   * connection does not count.
   */
  @Test
  void theLongestGapRunsFromTheLastConnectionClosingToTheNextOneLetThrough() throws SQLException {
    assertThat(proxy.longestGap()).isZero();
    Connection first = proxied.getConnection();
    assertThat(proxy.longestGap()).as("no gap before the first connection").isZero();
    proxy.stopAccepting();
    long cutFrom = System.nanoTime();
    proxy.dropConnections();
    long cutTo = System.nanoTime();
    try {
      first.close();
    } catch (SQLException e) {
      // reset by the proxy: pgjdbc cannot say goodbye, and says so
    }
    assertThatThrownBy(proxied::getConnection).isInstanceOf(SQLException.class);
    assertThat(proxy.longestGap()).as("a refused attempt does not end the gap").isZero();
    proxy.resumeAccepting();
    long againFrom = System.nanoTime();
    try (Connection again = proxied.getConnection()) {
      long againTo = System.nanoTime();
      assertThat(proxy.longestGap().toNanos()).isBetween(againFrom - cutTo, againTo - cutFrom);
    }
  }

  /**
   * After a few commits pgjdbc runs COMMIT as a server-prepared statement; the armed cut still
   * finds it. The server receives the whole request and commits; the client never hears of it.
   */
  @Test
  void aConnectionCutAfterCommitWasSentLosesTheAnswerButTheCommitHappened() throws SQLException {
    try (Connection c = proxied.getConnection()) {
      c.setAutoCommit(false);
      for (int i = 0; i < 8; i++) {
        insert(c, "before-" + i);
        c.commit();
      }
      proxy.cutAfterStatement("COMMIT", 1);
      assertThat(proxy.armedCuts()).isEqualTo(1);
      insert(c, "cut");
      assertThatThrownBy(c::commit)
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
    }
    assertThat(proxy.cutCount()).isEqualTo(1);
    assertThat(proxy.armedCuts()).isZero();
    try (Connection c = direct.getConnection()) {
      assertThat(query(c, "SELECT count(*) FROM t WHERE v = 'cut'")).isEqualTo("1");
    }
    try (Connection c = proxied.getConnection()) { // the rule is used up: later commits pass
      c.setAutoCommit(false);
      insert(c, "after");
      c.commit();
    }
    assertThat(proxy.cutCount()).isEqualTo(1);
  }

  /**
   * Answers held back by a latency arrive once it is lowered; the server did the work meanwhile.
   */
  @Test
  void serverToClientLatencyHoldsTheAnswerBackUntilLowered() throws Exception {
    try (Connection c = proxied.getConnection()) {
      proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, FOREVER);
      CompletableFuture<Void> insert =
          CompletableFuture.runAsync(() -> insertQuietly(c, "slow answer"), executor);
      awaitTrue(() -> count(direct, "slow answer") == 1, "the insert to commit");
      assertThat(insert).isNotDone();

      proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, Duration.ZERO);
      insert.get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A request held back by a latency is not answered while it is held, and runs after a statement
   * sent later on another connection.
   */
  @Test
  void clientToServerLatencyHoldsTheRequestBack() throws Exception {
    try (Connection c = proxied.getConnection()) {
      proxy.latency(FaultProxy.Direction.CLIENT_TO_SERVER, FOREVER);
      CountDownLatch sending = new CountDownLatch(1);
      CompletableFuture<Void> held =
          CompletableFuture.runAsync(
              () -> {
                sending.countDown();
                insertQuietly(c, "held");
              },
              executor);
      assertThat(sending.await(30, TimeUnit.SECONDS)).isTrue();
      try (Connection d = direct.getConnection()) {
        insert(d, "direct");
      }
      assertThat(held).isNotDone();
      assertThat(count(direct, "held")).isZero();

      proxy.latency(FaultProxy.Direction.CLIENT_TO_SERVER, Duration.ZERO);
      held.get(30, TimeUnit.SECONDS);
    }
    try (Connection c = direct.getConnection()) {
      assertThat(query(c, "SELECT string_agg(v, ',' ORDER BY id) FROM t")).isEqualTo("direct,held");
    }
  }

  @Test
  void closeEndsOpenConnectionsAndStopsListening() throws SQLException {
    List<Connection> connections = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        connections.add(proxied.getConnection());
      }
      proxy.close();
      proxy.close();
      for (Connection c : connections) {
        assertThatThrownBy(() -> query(c, "SELECT 1")).isInstanceOf(SQLException.class);
      }
      assertThat(proxy.openConnections()).isZero();
      assertThatThrownBy(proxied::getConnection).isInstanceOf(SQLException.class);
    } finally {
      for (Connection c : connections) {
        c.close();
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void insert(Connection c, String v) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
      ps.setString(1, v);
      ps.executeUpdate();
    }
  }

  private static void insertQuietly(Connection c, String v) {
    try {
      insert(c, v);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int count(DataSource ds, String v) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM t WHERE v = ?")) {
      ps.setString(1, v);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void execute(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
