/**
 * Tandem: a write-through cache that is linearizable per key.
 *
 * <p>{@link dev.tandem.Tandem} is the whole API: build one with {@link dev.tandem.Tandem#builder}
 * over a {@link dev.tandem.spi.Store} (the database, the system of record) and a {@link
 * dev.tandem.spi.CacheTier} (by default the in-process {@link dev.tandem.local.LocalTier}). Writes
 * return only after the database committed and the cache was updated; reads are served from the
 * cache and loaded from the database on a miss, and never return a value older than an acknowledged
 * write.
 */
@NullMarked
package dev.tandem;

import org.jspecify.annotations.NullMarked;
