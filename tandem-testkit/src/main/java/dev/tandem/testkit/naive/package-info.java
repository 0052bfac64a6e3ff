/** The tutorial write-through pattern, kept as the negative control of the race tests. */
@NullMarked
package dev.tandem.testkit.naive;

import org.jspecify.annotations.NullMarked;
