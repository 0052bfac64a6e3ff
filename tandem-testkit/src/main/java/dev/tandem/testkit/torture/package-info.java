/**
 * The torture harness: concurrent clients run a seeded mix of reads, writes, deletes, updates and
 * invalidations against a {@link dev.tandem.Tandem} while a {@link
 * dev.tandem.testkit.torture.Nemesis} injects faults, every operation recorded in a {@link
 * dev.tandem.testkit.history.History} for the {@link
 * dev.tandem.testkit.check.LinearizabilityChecker}. The {@code tandem torture} command and the
 * integration tests share it.
 */
@NullMarked
package dev.tandem.testkit.torture;

import org.jspecify.annotations.NullMarked;
