/**
 * Verification of a cache against its database: {@link dev.tandem.verify.Verifier} compares each
 * cached copy with the store's row, on demand or on a schedule, reports the keys that differ (and
 * optionally invalidates them), and publishes what it found to Micrometer.
 */
@NullMarked
package dev.tandem.verify;

import org.jspecify.annotations.NullMarked;
