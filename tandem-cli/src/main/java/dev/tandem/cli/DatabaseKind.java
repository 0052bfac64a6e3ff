package dev.tandem.cli;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The databases the commands run on ({@code --db h2|postgres|mariadb}, or the kind of a JDBC URL).
 */
public enum DatabaseKind {
  /** H2, embedded in this process. */
  H2,
  /** PostgreSQL. */
  POSTGRES,
  /** MariaDB, through MariaDB Connector/J ({@code jdbc:mariadb:}). */
  MARIADB;

  /** Returns the kind of a JDBC URL, or null for another database. */
  public static @Nullable DatabaseKind ofUrl(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.startsWith("jdbc:postgresql:")) {
      return POSTGRES;
    }
    if (lower.startsWith("jdbc:mariadb:")) {
      return MARIADB;
    }
    return lower.startsWith("jdbc:h2:") ? H2 : null;
  }
}
