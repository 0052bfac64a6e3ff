package dev.tandem.verify;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * What one run of a {@link Verifier} found.
 *
 * @param checked how many keys were examined
 * @param cached how many of them had a cached entry (only those are compared)
 * @param changing how many suspected differences did not persist: the cached entry or the row
 *     changed between the first look and the re-check (writes in flight), so they are not counted
 *     as mismatches
 * @param mismatches the keys whose cache and database disagreed, the same way on both looks
 * @param repaired how many of the mismatches were repaired (their cached entries invalidated and
 *     then found consistent or no longer cached); 0 unless repair was asked for
 * @param duration how long the run took
 * @param <K> the key type
 * @param <V> the value type
 */
public record VerifyReport<K, V>(
    long checked,
    long cached,
    long changing,
    List<Mismatch<K, V>> mismatches,
    int repaired,
    Duration duration) {

  /**
   * Creates the report; the list is copied.
   *
   * @throws IllegalArgumentException if {@code repaired} is negative or more than the mismatches
   */
  public VerifyReport {
    mismatches = List.copyOf(requireNonNull(mismatches, "mismatches"));
    requireNonNull(duration, "duration");
    if (repaired < 0 || repaired > mismatches.size()) {
      throw new IllegalArgumentException(
          "repaired must be between 0 and " + mismatches.size() + " but was " + repaired);
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

  /** Returns how many mismatches are of {@code kind}. */
  public long count(Mismatch.Kind kind) {
    requireNonNull(kind, "kind");
    return mismatches.stream().filter(m -> m.kind() == kind).count();
  }

  /**
   * Returns how many cached values belong to rows the database no longer has (mismatches of kind
   * {@link Mismatch.Kind#DELETED}).
   */
  public long missingFromDatabase() {
    return count(Mismatch.Kind.DELETED);
  }
}
