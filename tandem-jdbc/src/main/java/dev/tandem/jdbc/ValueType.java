package dev.tandem.jdbc;

/**
 * The column type of the value of a key-value table made by {@link JdbcSchema#createKeyValueTable}.
 */
public enum ValueType {
  /**
   * Text: {@code text} in PostgreSQL, {@code CHARACTER VARYING} in H2; use {@link RowMapper#text}.
   */
  TEXT,
  /**
   * Bytes: {@code bytea} in PostgreSQL, {@code BINARY VARYING} in H2; use {@link RowMapper#bytes}.
   */
  BYTES,
  /** JSON text: {@code jsonb} in PostgreSQL, {@code JSON} in H2; use {@link RowMapper#text}. */
  JSON
}
