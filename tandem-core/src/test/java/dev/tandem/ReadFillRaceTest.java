package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Races between a read-miss fill and a write (H2, H3, H6), forced in the worst order: the reader
 * reads the database, then the write commits and returns, then the reader tries to fill.
 */
@Tag("race")
class ReadFillRaceTest {

  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  /** H2: a fill that read the old row must not overwrite the newer value a write cached. */
  @Test
  void staleFillLosesToCommittedWrite() {
    h.tandem.put("k", "old");
    h.tandem.invalidate("k");
    Harness.Gate gate = h.pauseNextLoadOf("k");
    Future<Optional<String>> reader = h.async(() -> h.tandem.get("k"));
    gate.awaitReached();

    h.tandem.put("k", "new");
    gate.open();

    assertThat(Harness.get(reader))
        .contains("new"); // its fill was refused: it answers what the cache holds
    assertThat(h.tandem.getIfCached("k")).contains("new");
    assertThat(h.tandem.get("k")).contains("new");
  }

  /**
   * H6: the write's entry is evicted before the stale fill arrives; the fill must still be refused.
   */
  @Test
  void staleFillAfterEvictionIsRefused() {
    h.tandem.put("k", "old");
    h.tandem.invalidate("k");
    Harness.Gate gate = h.pauseNextLoadOf("k");
    Future<Optional<String>> reader = h.async(() -> h.tandem.get("k"));
    gate.awaitReached();

    h.tandem.put("k", "new");
    h.tandem.invalidate("k"); // as an eviction or expiry would
    gate.open();
    Harness.get(reader);

    assertThat(h.tandem.getIfCached("k")).isEmpty();
    assertThat(h.tandem.get("k")).contains("new");
  }

  /** H3: a delete races a load of the row; the load must not resurrect the deleted row. */
  @Test
  void deleteIsNotResurrectedByRacingLoad() {
    h.tandem.put("k", "v1");
    h.tandem.invalidate("k");
    Harness.Gate gate = h.pauseNextLoadOf("k");
    Future<Optional<String>> reader = h.async(() -> h.tandem.get("k"));
    gate.awaitReached();

    assertThat(h.tandem.remove("k")).isTrue();
    h.tandem.invalidate("k"); // the tombstone is evicted too
    gate.open();
    Harness.get(reader);

    assertThat(h.tandem.getIfCached("k")).isEmpty();
    assertThat(h.tandem.get("k")).isEmpty();
  }

  /** H3 with the tombstone kept: a cached absence with the delete's version beats the old row. */
  @Test
  void tombstoneBeatsOlderFill() {
    h.tandem.put("k", "v1");
    h.tandem.invalidate("k");
    Harness.Gate gate = h.pauseNextLoadOf("k");
    Future<Optional<String>> reader = h.async(() -> h.tandem.get("k"));
    gate.awaitReached();

    h.tandem.remove("k");
    gate.open();
    Harness.get(reader);

    assertThat(h.tandem.get("k")).isEmpty();
    assertThat(h.tandem.stats().missCount()).isEqualTo(1); // the tombstone answered the last read
  }

  /** A read that starts after a write returned must not join a load that began before the write. */
  @Test
  void readAfterWriteDoesNotJoinOlderLoad() {
    h.tandem.put("k", "old");
    h.tandem.invalidate("k");
    Harness.Gate gate = h.pauseNextLoadOf("k");
    Future<Optional<String>> first = h.async(() -> h.tandem.get("k"));
    gate.awaitReached();

    h.tandem.put("k", "new");
    h.tandem.invalidate("k");
    Optional<String> second = h.tandem.get("k"); // loads again instead of waiting for the old load
    gate.open();

    assertThat(second).contains("new");
    assertThat(Harness.get(first))
        .contains("new"); // its fill was refused: it answers what the cache holds
    assertThat(h.store.loads.get()).isEqualTo(2);
  }

  /** Concurrent misses of one key share one database load. */
  @Test
  void concurrentMissesShareOneLoad() {
    h.tandem.put("k", "v");
    h.tandem.invalidate("k");
    Harness.Gate gate = h.pauseNextLoadOf("k");
    Future<Optional<String>> leader = h.async(() -> h.tandem.get("k"));
    gate.awaitReached();
    int followers = 4;
    java.util.List<Future<Optional<String>>> joined = new java.util.ArrayList<>();
    for (int i = 0; i < followers; i++) {
      joined.add(h.async(() -> h.tandem.get("k")));
    }
    Harness.awaitCondition(
        "followers to join the load",
        () ->
            h.tandem.flight("k") != null
                && h.tandem.flight("k").getNumberOfDependents() == followers);
    gate.open();

    assertThat(Harness.get(leader)).contains("v");
    for (Future<Optional<String>> f : joined) {
      assertThat(Harness.get(f)).contains("v");
    }
    assertThat(h.store.loads.get()).isEqualTo(1);
  }

  /**
   * A failed load is reported to the caller and to everyone who joined it, and leaves no lease
   * behind.
   */
  @Test
  void failedLoadFailsJoinersAndCachesNothing() {
    h.tandem.put("k", "v");
    h.tandem.invalidate("k");
    h.store.down = true;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.tandem.get("k"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("load of key k failed");
    h.store.down = false;
    assertThat(h.tandem.get("k")).contains("v");
    assertThat(h.tandem.stats().loadFailureCount()).isEqualTo(1);
  }
}
