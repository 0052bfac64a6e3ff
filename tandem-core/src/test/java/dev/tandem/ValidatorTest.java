package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The builder's validator refuses a value before any I/O, with an exception naming the key. */
class ValidatorTest {

  private final MemoryStore<String, String> store = new MemoryStore<>();
  private final Tandem<String, String> tandem =
      Tandem.builder(store)
          .validator(
              (key, value) -> {
                if (value.isBlank()) {
                  throw new IllegalArgumentException("must not be blank");
                }
              })
          .build();

  @AfterEach
  void close() {
    tandem.close();
  }

  @Test
  void aRefusedPutWritesNothing() {
    assertThatThrownBy(() -> tandem.put("k", " "))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("put: the value of key k is invalid: must not be blank")
        .satisfies(e -> assertThat(((InvalidValueException) e).key()).isEqualTo("k"))
        .cause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("must not be blank");
    assertThat(store.commits.get()).isZero();
    assertThat(store.loads.get()).isZero();
  }

  @Test
  void oneRefusedEntryOfAPutAllWritesNone() {
    assertThatThrownBy(() -> tandem.putAll(Map.of("a", "ok", "b", "")))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("putAll: the value of key b is invalid: must not be blank");
    assertThat(store.rows).isEmpty();
  }

  @Test
  void anUpdateFunctionsResultIsValidated() {
    tandem.put("k", "v");
    assertThatThrownBy(() -> tandem.update("k", v -> ""))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("update: the value of key k is invalid: must not be blank");
    assertThat(store.rows.get("k").value()).isEqualTo("v");
    assertThat(tandem.get("k")).contains("v");
  }

  @Test
  void aTransactionsPutIsValidatedAndTheTransactionWritesNothing() {
    assertThatThrownBy(
            () ->
                tandem.transaction(
                    tx -> {
                      tx.put("a", "ok");
                      tx.put("b", "");
                      return null;
                    }))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("transaction: the value of key b is invalid: must not be blank");
    assertThat(store.rows).isEmpty();
  }

  /**
   * An {@link Error} from the validator on an update function's value fails that caller alone, with
   * the error. Before, it escaped the batch and every writer in it was told the outcome was
   * unknown, although nothing had committed (found by review).
   */
  @Test
  void anErrorFromTheValidatorInAnUpdateFailsThatCallerAlone() {
    try (Tandem<String, String> strict =
        Tandem.builder(store)
            .validator(
                (key, value) -> {
                  if (value.equals("boom")) {
                    throw new AssertionError("validator error (injected)");
                  }
                })
            .build()) {
      strict.put("k", "v");
      assertThatThrownBy(() -> strict.update("k", v -> "boom"))
          .isInstanceOf(AssertionError.class)
          .hasMessage("validator error (injected)");
      assertThat(strict.stats().outcomeUnknownCount()).isZero();
      assertThat(store.rows.get("k").value()).isEqualTo("v");
    }
  }
}
