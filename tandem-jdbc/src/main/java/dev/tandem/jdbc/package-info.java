/**
 * A {@link dev.tandem.spi.Store} over JDBC: {@link dev.tandem.jdbc.JdbcStore} for PostgreSQL and
 * MariaDB (many nodes) and H2 (one process), with {@link dev.tandem.jdbc.RowMapper} to map rows and
 * {@link dev.tandem.jdbc.JdbcSchema} to add what Tandem needs to a schema.
 */
@NullMarked
package dev.tandem.jdbc;

import org.jspecify.annotations.NullMarked;
