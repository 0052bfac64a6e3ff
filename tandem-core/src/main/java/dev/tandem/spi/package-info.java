/**
 * The service-provider interface: the {@link dev.tandem.spi.Store} (the system of record) and the
 * {@link dev.tandem.spi.CacheTier} that a {@link dev.tandem.Tandem} combines. Implement these to
 * put Tandem in front of another database or cache; each type states the atomicity it must provide.
 * Implementations may throw any runtime exception; Tandem translates them.
 */
@NullMarked
package dev.tandem.spi;

import org.jspecify.annotations.NullMarked;
