package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.MemoryStore.CommitFault;
import dev.tandem.local.LocalTier;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Writes whose commit fails, is cut off, or whose cache update fails (H4, H5, H10). */
@Tag("race")
class CommitFailureTest {

  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  /**
   * H5: a failed commit leaves the cached value as it was and throws a StoreException naming the
   * key.
   */
  @Test
  void failedCommitLeavesCacheUntouched() {
    h.tandem.put("k", "v1");
    h.store.failNextCommit(CommitFault.FAIL);

    assertThatThrownBy(() -> h.tandem.put("k", "v2"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("put of key k failed in the store")
        .hasRootCauseMessage("commit failed (injected)");

    assertThat(h.tandem.getIfCached("k")).contains("v1");
    assertThat(h.store.rows.get("k").value()).isEqualTo("v1");
    assertThat(h.tandem.stats().writeFailureCount()).isEqualTo(1);
  }

  /**
   * H10: a cut-off commit that did apply is reported as unknown, and the cache learns the truth.
   */
  @Test
  void ambiguousCommitThatAppliedIsReadBack() {
    h.tandem.put("k", "v1");
    h.store.failNextCommit(CommitFault.AMBIGUOUS_APPLIED);

    assertThatThrownBy(() -> h.tandem.put("k", "v2"))
        .isInstanceOf(CommitOutcomeUnknownException.class)
        .hasMessageContaining("outcome of put of key k is unknown");

    assertThat(h.tandem.getIfCached("k")).contains("v2");
    assertThat(h.tandem.get("k")).contains("v2");
    assertThat(h.store.commits.get()).isEqualTo(2); // never retried
    assertThat(h.tandem.stats().outcomeUnknownCount()).isEqualTo(1);
  }

  /** H10: a cut-off commit that did not apply leaves the old value, read back from the store. */
  @Test
  void ambiguousCommitThatWasLostIsReadBack() {
    h.tandem.put("k", "v1");
    h.store.failNextCommit(CommitFault.AMBIGUOUS_LOST);

    assertThatThrownBy(() -> h.tandem.remove("k"))
        .isInstanceOf(CommitOutcomeUnknownException.class);

    assertThat(h.tandem.get("k")).contains("v1");
    assertThat(h.store.commits.get()).isEqualTo(1);
  }

  /**
   * If the truth cannot be read back, the key stays fenced: reads go to the store and fill nothing.
   */
  @Test
  void keyStaysFencedUntilNextWriteWhenReadBackFails() {
    LocalTier<String, String> tier =
        LocalTier.<String, String>builder().maximumSize(100).executor(Runnable::run).build();
    try (Harness fenced = new Harness(tier)) {
      fenced.tandem.put("k", "v1");
      fenced.store.failNextCommit(CommitFault.AMBIGUOUS_APPLIED);
      fenced.store.downAfterNextCommit = true;
      assertThatThrownBy(() -> fenced.tandem.put("k", "v3"))
          .isInstanceOf(CommitOutcomeUnknownException.class);

      fenced.store.down = false;
      assertThat(fenced.tandem.get("k")).contains("v3"); // from the store
      assertThat(fenced.tandem.getIfCached("k")).isEmpty(); // and not filled while fenced

      fenced.tandem.put("k", "v4"); // a committed write lifts the fence
      assertThat(fenced.tandem.getIfCached("k")).contains("v4");
    }
  }

  /**
   * H4: the commit succeeded but the cache update threw; the write still succeeds and nothing stale
   * is served.
   */
  @Test
  void cacheFailureAfterCommitFencesInsteadOfFailingTheWrite() {
    LocalTier<String, String> tier =
        LocalTier.<String, String>builder()
            .maximumWeight(
                1_000,
                (key, value) -> {
                  if (value.equals("poison")) {
                    throw new IllegalStateException("weigher failed");
                  }
                  return 1;
                })
            .executor(Runnable::run)
            .build();
    try (Harness failing = new Harness(tier)) {
      failing.tandem.put("k", "v1");
      failing.tandem.put("k", "poison"); // committed; the tier update throws inside Caffeine

      assertThat(failing.store.rows.get("k").value()).isEqualTo("poison");
      assertThat(failing.tandem.getIfCached("k")).isEmpty();
      assertThat(failing.tandem.get("k")).contains("poison");
    }
  }

  /**
   * A value the store rejects is an IllegalArgumentException naming the key; nothing is written.
   */
  @Test
  void rejectedValueNamesTheKeyAndWritesNothing() {
    h.store.rejects = value -> value.startsWith("bad");
    h.tandem.put("a", "good");

    assertThatThrownBy(() -> h.tandem.putAll(Map.of("a", "better", "b", "bad value")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key b")
        .hasMessageContaining("value bad value is rejected");

    assertThat(h.store.rows.get("a").value()).isEqualTo("good");
    assertThat(h.store.rows).doesNotContainKey("b");
    assertThat(h.tandem.get("a")).contains("good");
  }

  /**
   * A store that cannot even begin a transaction yields a StoreException and no lock stays held.
   */
  @Test
  void storeDownFailsWriteAndReleasesLock() {
    h.store.down = true;
    assertThatThrownBy(() -> h.tandem.put("k", "v")).isInstanceOf(StoreException.class);
    assertThat(h.tandem.lockedKeys()).isZero();
    h.store.down = false;
    h.tandem.put("k", "v");
    assertThat(h.tandem.get("k")).contains("v");
  }
}
