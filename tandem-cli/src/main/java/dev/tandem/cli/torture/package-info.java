/**
 * {@code tandem torture}: concurrent clients against a real database with injected faults, every
 * operation recorded and the history checked for linearizability.
 */
@NullMarked
package dev.tandem.cli.torture;

import org.jspecify.annotations.NullMarked;
