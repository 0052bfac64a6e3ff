package dev.tandem.cli;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The databases the commands run on ({@code --db h2|postgres}, or the kind of a JDBC URL). */
public enum DatabaseKind {
  /** H2, embedded in this process. */
  H2,
  /** PostgreSQL. */
  POSTGRES;

  /** Returns the kind of a JDBC URL, or null for another database. */
  public static @Nullable DatabaseKind ofUrl(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.startsWith("jdbc:postgresql:")) {
      return POSTGRES;
    }
    return lower.startsWith("jdbc:h2:") ? H2 : null;
  }
}
