package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Instant;

/**
 * Where a benchmark ran: the machine, the JVM, the database and Tandem's version.
 *
 * @param tandemVersion Tandem's version
 * @param startedAt when the run started
 * @param cores the processors available to the JVM
 * @param memoryBytes the machine's physical memory, or 0 if unknown
 * @param maxHeapBytes the JVM's maximum heap
 * @param jdk the Java runtime, for example "25+36-LTS (Eclipse Adoptium)"
 * @param os the operating system and architecture
 * @param database the database product and version, for example "PostgreSQL 17.5"
 * @param databaseSetup how the database was reached, for example "embedded, in memory"
 * @param fsync the database server's fsync setting as it reports it ({@code on} or {@code off}), or
 *     {@code n/a} for a database in memory
 * @param synchronousCommit the server's synchronous_commit setting as it reports it, or {@code n/a}
 */
public record Environment(
    String tandemVersion,
    Instant startedAt,
    int cores,
    long memoryBytes,
    long maxHeapBytes,
    String jdk,
    String os,
    String database,
    String databaseSetup,
    String fsync,
    String synchronousCommit) {

  /** Creates the environment. */
  public Environment {
    requireNonNull(tandemVersion, "tandemVersion");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(jdk, "jdk");
    requireNonNull(os, "os");
    requireNonNull(database, "database");
    requireNonNull(databaseSetup, "databaseSetup");
    requireNonNull(fsync, "fsync");
    requireNonNull(synchronousCommit, "synchronousCommit");
  }

  /** Returns the durability line of reports, for example "fsync on, synchronous_commit on". */
  public String durability() {
    return "fsync " + fsync + ", synchronous_commit " + synchronousCommit;
  }

  /** Returns the environment of this JVM and machine, with the given database description. */
  public static Environment detect(
      String tandemVersion,
      Instant startedAt,
      String database,
      String databaseSetup,
      String fsync,
      String synchronousCommit) {
    Runtime runtime = Runtime.getRuntime();
    return new Environment(
        tandemVersion,
        startedAt,
        runtime.availableProcessors(),
        physicalMemory(),
        runtime.maxMemory(),
        Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")",
        System.getProperty("os.name", "unknown")
            + " "
            + System.getProperty("os.version", "")
            + " "
            + System.getProperty("os.arch", ""),
        database,
        databaseSetup,
        fsync,
        synchronousCommit);
  }

  private static long physicalMemory() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean extended) {
      return extended.getTotalMemorySize();
    }
    return 0;
  }
}
