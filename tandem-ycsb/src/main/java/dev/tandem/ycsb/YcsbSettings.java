package dev.tandem.ycsb;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Properties;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * The properties both bindings read, named as YCSB's own JDBC binding names them where it has them,
 * given with {@code -p name=value} or in a workload file.
 *
 * @param url {@code db.url}: the JDBC URL of PostgreSQL or H2 (required)
 * @param user {@code db.user}, or null
 * @param password {@code db.passwd}, or null
 * @param table {@code table}: YCSB's table name (default usertable)
 * @param fieldCount {@code fieldcount}: YCSB's number of fields (default 10)
 * @param fieldPrefix {@code fieldnameprefix}: YCSB's field name prefix (default field)
 * @param threads {@code threadcount}: YCSB's client threads, which size the connection pool
 * @param recreate {@code tandem.recreate}: drop and create the table at the start, once per JVM
 *     (default false; the table is created when missing either way)
 * @param cacheSize {@code tandem.cachesize}: entries Tandem's local tier may hold (default
 *     1,000,000)
 * @param batches {@code tandem.batches}: group-commit batches that may commit at once (default 2,
 *     as Tandem's; see {@code Tandem.Builder#maxConcurrentBatches})
 */
record YcsbSettings(
    String url,
    @Nullable String user,
    @Nullable String password,
    String table,
    int fieldCount,
    String fieldPrefix,
    int threads,
    boolean recreate,
    long cacheSize,
    int batches) {

  YcsbSettings {
    requireNonNull(url, "url");
    requireNonNull(table, "table");
    requireNonNull(fieldPrefix, "fieldPrefix");
  }

  /**
   * Reads the settings.
   *
   * @throws IllegalArgumentException naming the property if one is missing or malformed
   */
  static YcsbSettings of(Properties p) {
    String url = p.getProperty("db.url");
    if (url == null || !url.startsWith("jdbc:")) {
      throw new IllegalArgumentException(
          "db.url must be set to a JDBC URL of PostgreSQL or H2 but was " + url);
    }
    String table = p.getProperty("table", "usertable");
    if (!table.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("table must be a plain SQL name but was " + table);
    }
    String prefix = p.getProperty("fieldnameprefix", "field");
    if (!prefix.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException(
          "fieldnameprefix must be a plain SQL name but was " + prefix);
    }
    return new YcsbSettings(
        url,
        p.getProperty("db.user"),
        p.getProperty("db.passwd"),
        table,
        positive(p, "fieldcount", 10),
        prefix,
        positive(p, "threadcount", 1),
        Boolean.parseBoolean(p.getProperty("tandem.recreate", "false")),
        positive(p, "tandem.cachesize", 1_000_000),
        positive(p, "tandem.batches", 2));
  }

  /** Returns the field names: field0, field1, ... */
  List<String> fields() {
    return IntStream.range(0, fieldCount).mapToObj(i -> fieldPrefix + i).toList();
  }

  /** Returns whether the URL is PostgreSQL's (else H2's). */
  boolean postgres() {
    return url.startsWith("jdbc:postgresql:");
  }

  /** Returns whether the database is MariaDB ({@code jdbc:mariadb:}). */
  boolean mariadb() {
    return url.startsWith("jdbc:mariadb:");
  }

  private static int positive(Properties p, String name, int defaultValue) {
    String text = p.getProperty(name);
    if (text == null) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(text.strip());
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be positive but was " + text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number but was " + text, e);
    }
  }
}
