package dev.tandem.cli.verify;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a {@link Verifier} found.
 *
 * @param checked how many keys were examined
 * @param cached how many of them had a cached entry (only those are compared)
 * @param changing how many cached entries or rows changed between the two looks of a suspected
 *     mismatch: writes in flight, not counted as mismatches
 * @param mismatches the keys whose cache and database disagreed, the same way on both looks
 * @param repaired how many of the mismatches were repaired (their cached entries invalidated and
 *     then found consistent); 0 unless repair was asked for
 * @param <K> the key type
 * @param <V> the value type
 */
public record VerifyReport<K, V>(long checked, long cached, long changing, List<Mismatch<K, V>> mismatches, int repaired) {

  /** Creates the report; the list is copied. */
  public VerifyReport {
    mismatches = List.copyOf(requireNonNull(mismatches, "mismatches"));
    if (repaired < 0 || repaired > mismatches.size()) {
      throw new IllegalArgumentException("repaired must be between 0 and " + mismatches.size() + " but was " + repaired);
    }
  }

  /** Returns whether no mismatch was found. */
  public boolean consistent() {
    return mismatches.isEmpty();
  }

  /** Returns whether the cache agrees with the database now: no mismatch, or every one repaired. */
  public boolean consistentNow() {
    return repaired == mismatches.size();
  }
}
