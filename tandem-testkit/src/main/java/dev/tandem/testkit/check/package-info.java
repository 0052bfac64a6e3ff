/**
 * A per-key linearizability checker of recorded register histories.
 *
 * <p>{@link dev.tandem.testkit.check.LinearizabilityChecker} partitions a {@link
 * dev.tandem.testkit.history.History} by key (operations on different keys are independent), runs a
 * fast scan for definite anomalies (stale reads, impossible reads, lost writes) and a
 * Wing–Gong–Lowe search with memoisation on each key, and returns a {@link
 * dev.tandem.testkit.check.CheckResult}.
 */
@NullMarked
package dev.tandem.testkit.check;

import org.jspecify.annotations.NullMarked;
