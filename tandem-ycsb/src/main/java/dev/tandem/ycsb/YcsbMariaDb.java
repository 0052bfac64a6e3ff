package dev.tandem.ycsb;

import dev.tandem.testkit.server.MariaDbServer;
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
 * Runs a MariaDB server (the installed {@code mariadbd}, as the tests use) for the YCSB runs of
 * {@code run-ycsb.sh} with {@code DB=mariadb}: it creates the database {@code ycsb}, writes its
 * JDBC URL to the file named by the first argument, and stops the server and deletes its folder
 * when its standard input closes. The server flushes its log at every commit ({@code
 * innodb_flush_log_at_trx_commit=1}, as production runs) unless the second argument is {@code off}
 * (then once a second).
 *
 * <p>{@code YcsbMariaDb --settings URL} instead prints what the server at {@code URL} reports for
 * {@code innodb_flush_log_at_trx_commit} and its version, for the summary of the script.
 */
public final class YcsbMariaDb {

  private YcsbMariaDb() {}

  /**
   * Starts the server; see the class description.
   *
   * @param args the file to write the JDBC URL to, then optionally {@code on} (the default) or
   *     {@code off}: whether each commit waits for the disk
   */
  public static void main(String[] args) throws IOException, SQLException {
    if (args.length == 2 && args[0].equals("--settings")) {
      System.out.println(settings(args[1]));
      return;
    }
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].matches("on|off"))) {
      System.err.println(
          "usage: YcsbMariaDb URL-FILE [on|off] (log flush at each commit, default on; the server"
              + " stops when standard input closes)");
      System.exit(2);
    }
    boolean durable = args.length == 1 || args[1].equals("on");
    try (MariaDbServer server = durable ? MariaDbServer.startDurable() : MariaDbServer.start()) {
      server.createDatabase("ycsb");
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

  /**
   * Returns "MariaDB V, innodb_flush_log_at_trx_commit N" as the server at {@code url} reports
   * them.
   */
  private static String settings(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT VERSION(), @@innodb_flush_log_at_trx_commit")) {
      rs.next();
      return "MariaDB " + rs.getString(1) + ", innodb_flush_log_at_trx_commit " + rs.getString(2);
    }
  }
}
