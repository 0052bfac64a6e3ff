package dev.tandem.testkit.server;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * An embedded H2 database with a unique name, in memory or in a directory, that lives until it is
 * {@linkplain #close() closed}.
 *
 * <p>Connections wait up to 10 seconds for a row lock ({@code LOCK_TIMEOUT}), so tests that hold a
 * lock on purpose see the waiter block rather than fail after H2's default second.
 */
public final class H2Database implements AutoCloseable {

  private static final String OPTIONS = ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";

  private final String url;
  private boolean closed;

  private H2Database(String url) {
    this.url = url;
  }

  /** Creates a new in-memory database with a unique name. */
  public static H2Database inMemory() {
    return new H2Database("jdbc:h2:mem:tandem-" + UUID.randomUUID() + OPTIONS);
  }

  /** Creates (or opens) a database stored in {@code directory} under a unique name. */
  public static H2Database inDirectory(Path directory) {
    requireNonNull(directory, "directory");
    Path file = directory.toAbsolutePath().resolve("tandem-" + UUID.randomUUID());
    return new H2Database("jdbc:h2:file:" + file + OPTIONS);
  }

  /** Returns the JDBC URL; the user is {@code sa} with an empty password. */
  public String jdbcUrl() {
    return url;
  }

  /** Returns an unpooled data source of this database. */
  public DataSource dataSource() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    ds.setUser("sa");
    ds.setPassword("");
    return ds;
  }

  /** Shuts the database down, discarding an in-memory one; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      throw new IllegalStateException("could not shut down " + url + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "H2Database{" + url + "}";
  }
}
