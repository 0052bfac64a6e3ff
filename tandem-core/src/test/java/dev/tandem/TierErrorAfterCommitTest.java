package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.local.LocalTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A cache tier that throws an {@link Error} while it publishes a committed write (a codec that
 * overflows the stack, say): the commit stands, as for any tier failure after the commit (H4), and
 * the key is fenced, so the old value is not served.
 */
@Tag("race")
class TierErrorAfterCommitTest {

  private final HookedTier<String, String> tier =
      new HookedTier<>(
          LocalTier.<String, String>builder().maximumSize(10).executor(Runnable::run).build());
  private final MemoryStore<String, String> store = new MemoryStore<>();
  private final Tandem<String, String> tandem = Tandem.builder(store).cacheTier(tier).build();

  @AfterEach
  void close() {
    tandem.close();
  }

  @Test
  void aPutWhosePublishThrowsAnErrorCommitsAndDropsTheOldValue() {
    tandem.put("k", "old");
    assertThat(tandem.get("k")).contains("old");
    tier.applyError = new StackOverflowError("codec recursion (injected)");

    assertThat(tandem.put("k", "new")).as("the committed write succeeds").isPositive();

    assertThat(tandem.get("k")).contains("new");
    assertThat(tandem.stats().tierFailureCount()).isEqualTo(1);
    assertThat(tandem.stats().outcomeUnknownCount()).isZero();
  }

  @Test
  void aTransactionWhosePublishThrowsAnErrorCommitsAndDropsTheOldValues() {
    tandem.put("a", "old");
    tandem.put("b", "old");
    assertThat(tandem.get("a")).contains("old");
    assertThat(tandem.get("b")).contains("old");
    tier.applyError = new StackOverflowError("codec recursion (injected)");

    tandem.transaction(
        tx -> {
          tx.put("a", "new");
          tx.put("b", "new");
          return null;
        });

    assertThat(store.rows.get("a").value()).isEqualTo("new");
    assertThat(tandem.get("a")).contains("new");
    assertThat(tandem.get("b")).contains("new");
  }
}
