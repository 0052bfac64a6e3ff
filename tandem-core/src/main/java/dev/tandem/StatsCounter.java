package dev.tandem;

import java.util.concurrent.atomic.LongAdder;

/** The engine's counters, striped so that concurrent hits do not contend on one cache line. */
final class StatsCounter {
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder loads = new LongAdder();
  final LongAdder loadFailures = new LongAdder();
  final LongAdder writes = new LongAdder();
  final LongAdder writeFailures = new LongAdder();
  final LongAdder outcomeUnknown = new LongAdder();
  final LongAdder writeNanos = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder tierFailures = new LongAdder();

  Stats snapshot(long evictions) {
    return new Stats(
        hits.sum(),
        misses.sum(),
        loads.sum(),
        loadFailures.sum(),
        writes.sum(),
        writeFailures.sum(),
        outcomeUnknown.sum(),
        retries.sum(),
        tierFailures.sum(),
        writeNanos.sum(),
        evictions);
  }
}
