/** What the tests, the torture command and the benchmarks share. */
@NullMarked
package dev.tandem.testkit;

import org.jspecify.annotations.NullMarked;
