/**
 * {@code tandem bench}: YCSB-style workloads run against Tandem and the systems it is compared
 * with, one after another in one JVM on a freshly loaded table. Each compared system sits behind
 * one adapter, {@link dev.tandem.cli.bench.BenchTarget}; {@link dev.tandem.cli.bench.BenchRun}
 * drives the threads and records latencies in HdrHistogram.
 */
@NullMarked
package dev.tandem.cli.bench;

import org.jspecify.annotations.NullMarked;
