/**
 * Embedded database servers for tests and the torture command: a real PostgreSQL started from
 * packaged binaries ({@link dev.tandem.testkit.server.PostgresServer}) and H2 databases with unique
 * names ({@link dev.tandem.testkit.server.H2Database}), and a real Redis run from the installed
 * {@code redis-server} ({@link dev.tandem.testkit.server.RedisServer}).
 */
@NullMarked
package dev.tandem.testkit.server;

import org.jspecify.annotations.NullMarked;
