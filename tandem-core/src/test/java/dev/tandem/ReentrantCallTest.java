package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A call on a Tandem from inside its own callbacks fails at once instead of waiting for itself.
 * Before, a {@code put} from inside an {@code update} function waited forever (it runs on the
 * thread that leads group commit, so the put queued behind its own batch), also after an interrupt,
 * and every other writer of the Tandem stalled behind it; a write of a key from inside {@code
 * transaction(work)} that had touched the key waited on its own lock (issue 16, item 1).
 */
class ReentrantCallTest {

  private static final Duration AT_ONCE = Duration.ofSeconds(10); // the bug waited forever

  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void aPutFromInsideAnUpdateFunctionFailsAtOnceAndNobodyStalls() {
    h.tandem.put("k", "v");

    assertTimeoutPreemptively(
        AT_ONCE,
        () -> {
          assertThatThrownBy(
                  () ->
                      h.tandem.update(
                          "k",
                          v -> {
                            h.tandem.put("other", "x");
                            return v + "1";
                          }))
              .isInstanceOf(IllegalStateException.class)
              .hasMessageStartingWith(
                  "put was called from inside an update function, a transaction's work or a "
                      + "validator of the same Tandem")
              .hasMessageContaining("use the Transaction handed to the work");
          assertThat(h.async(() -> h.tandem.put("x", "1")).get()).isPositive();
        });
    assertThat(h.store.rows.get("k").value()).isEqualTo("v");
    assertThat(h.store.rows).doesNotContainKey("other");
  }

  @Test
  void aWriteFromInsideATransactionOfAKeyItTouchedFailsAtOnce() {
    assertTimeoutPreemptively(
        AT_ONCE,
        () ->
            assertThatThrownBy(
                    () ->
                        h.tandem.transaction(
                            tx -> {
                              tx.put("a", "1");
                              return h.tandem.remove("a");
                            }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("remove was called from inside"));
    assertThat(h.store.rows).doesNotContainKey("a");
    assertThat(h.tandem.get("a")).isEmpty();
  }

  @Test
  void aTransactionFromInsideAnUpdateFunctionFailsAtOnce() {
    h.tandem.put("k", "v");
    assertTimeoutPreemptively(
        AT_ONCE,
        () ->
            assertThatThrownBy(
                    () ->
                        h.tandem.update(
                            "k",
                            v -> {
                              h.tandem.transaction(tx -> null);
                              return v;
                            }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("transaction was called from inside"));
  }

  @Test
  void aValidatorThatWritesIsRefused() {
    AtomicReference<Tandem<String, String>> self = new AtomicReference<>();
    try (Tandem<String, String> tandem =
        Tandem.builder(h.store).validator((key, value) -> self.get().put("audit", key)).build()) {
      self.set(tandem);
      assertTimeoutPreemptively(
          AT_ONCE,
          () ->
              assertThatThrownBy(() -> tandem.put("k", "v"))
                  .isInstanceOf(InvalidValueException.class)
                  .cause()
                  .isInstanceOf(IllegalStateException.class));
    }
    assertThat(h.store.rows).isEmpty();
  }

  /** Reads take no lock and never wait for the caller's own write: they stay allowed. */
  @Test
  void readsFromInsideAnUpdateFunctionAreAllowed() {
    h.tandem.put("k", "v");
    h.tandem.put("other", "o");
    Optional<String> updated = h.tandem.update("k", v -> v + h.tandem.get("other").orElseThrow());
    assertThat(updated).contains("vo");
  }
}
