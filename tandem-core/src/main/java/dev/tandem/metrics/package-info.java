/** Micrometer metrics for a {@link dev.tandem.Tandem}; needs micrometer-core on the class path. */
@NullMarked
package dev.tandem.metrics;

import org.jspecify.annotations.NullMarked;
