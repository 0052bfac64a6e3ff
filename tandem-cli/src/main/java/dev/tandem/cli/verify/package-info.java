/**
 * Verification of a cache against its database: {@link dev.tandem.cli.verify.Verifier} as a
 * library call over any {@link dev.tandem.Tandem} or {@link dev.tandem.spi.CacheTier} and its
 * {@link dev.tandem.spi.Store}, and the {@code tandem verify} command.
 */
@NullMarked
package dev.tandem.cli.verify;

import org.jspecify.annotations.NullMarked;
