/**
 * {@code tandem demo}: the flight-delay demo, a write-through cache in front of a real flights
 * database, shown step by step.
 */
@NullMarked
package dev.tandem.cli.demo;

import org.jspecify.annotations.NullMarked;
