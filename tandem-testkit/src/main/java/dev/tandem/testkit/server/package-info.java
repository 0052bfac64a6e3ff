/**
 * Embedded database servers for tests and the torture command: a real PostgreSQL started from
 * packaged binaries ({@link dev.tandem.testkit.server.PostgresServer}) and H2 databases with unique
 * names ({@link dev.tandem.testkit.server.H2Database}). Nothing here needs an installed server.
 */
@NullMarked
package dev.tandem.testkit.server;

import org.jspecify.annotations.NullMarked;
