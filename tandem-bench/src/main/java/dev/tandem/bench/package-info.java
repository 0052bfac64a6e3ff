/**
 * JMH benchmarks. Each compares Tandem with a baseline measured in the same run; the compared
 * systems sit behind one adapter each in {@code impl}, chosen by a JMH {@code @Param}.
 */
@NullMarked
package dev.tandem.bench;

import org.jspecify.annotations.NullMarked;
