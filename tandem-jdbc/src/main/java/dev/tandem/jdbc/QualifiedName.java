package dev.tandem.jdbc;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A table, column or sequence name as the user wrote it, optionally qualified by a schema. Every
 * part matches {@code [A-Za-z_][A-Za-z0-9_]*}, so it can be quoted without escaping and never
 * carries SQL.
 */
record QualifiedName(@Nullable String schema, String name) {

  private static final Pattern PART = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  /**
   * Parses {@code text} as {@code name} or {@code schema.name}.
   *
   * @param what what the name names, for the error message ("table", "key column", ...)
   * @throws IllegalArgumentException if the text is not such a name
   */
  static QualifiedName parse(String text, String what, boolean qualifiable) {
    requireNonNull(text, what);
    int dot = text.indexOf('.');
    if (dot >= 0 && qualifiable) {
      return new QualifiedName(
          part(text.substring(0, dot), text, what), part(text.substring(dot + 1), text, what));
    }
    return new QualifiedName(null, part(text, text, what));
  }

  /** Checks one unqualified identifier and returns it. */
  static String identifier(String text, String what) {
    requireNonNull(text, what);
    return part(text, text, what);
  }

  /** Quotes one identifier already checked by this class or read from the database catalog. */
  static String quote(String identifier) {
    return quote(identifier, '"');
  }

  /** Quotes one identifier with {@code quote}: {@code "} (standard SQL) or {@code `} (MariaDB). */
  static String quote(String identifier, char quote) {
    if (identifier.indexOf(quote) >= 0) {
      throw new IllegalArgumentException(
          "identifier contains a quote " + quote + ": " + identifier);
    }
    return quote + identifier + quote;
  }

  private static String part(String part, String whole, String what) {
    if (!PART.matcher(part).matches()) {
      throw new IllegalArgumentException(
          what
              + " must be an identifier (letters, digits and underscores,"
              + " not starting with a digit"
              + (what.equals("table") || what.startsWith("change")
                  ? ", optionally" + " schema-qualified"
                  : "")
              + ") but was \""
              + whole
              + "\"");
    }
    return part;
  }
}
