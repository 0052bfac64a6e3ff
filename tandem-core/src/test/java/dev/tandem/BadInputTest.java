package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every public method rejects bad input with a precise exception, before any I/O. */
class BadInputTest {

  private final Harness h = new Harness();

  @AfterEach
  void close() {
    assertThat(h.store.loads.get()).as("no load happened").isZero();
    assertThat(h.store.commits.get()).as("no commit happened").isZero();
    h.close();
  }

  @Test
  void nullKeysAreRejectedNamingTheParameter() {
    Tandem<String, String> t = h.tandem;
    assertThatThrownBy(() -> t.get(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> t.getVersioned(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> t.getIfCached(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> t.put(null, "v"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> t.putIfVersion(null, 0, "v"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> t.update(null, v -> v))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> t.remove(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> t.invalidate(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
  }

  @Test
  void nullValuesAndFunctionsAreRejected() {
    Tandem<String, String> t = h.tandem;
    assertThatThrownBy(() -> t.put("k", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value");
    assertThatThrownBy(() -> t.putIfVersion("k", 0, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value");
    assertThatThrownBy(() -> t.update("k", (java.util.function.UnaryOperator<String>) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("function");
    assertThatThrownBy(() -> t.putIfVersion("k", -1, "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }

  @Test
  void bulkOperationsRejectNullsBeforeWritingAnything() {
    Tandem<String, String> t = h.tandem;
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("a", "1");
    nullValue.put("b", null);
    assertThatThrownBy(() -> t.putAll(nullValue))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("putAll: the value of key b is null");
    Map<String, String> nullKey = new HashMap<>();
    nullKey.put(null, "1");
    assertThatThrownBy(() -> t.putAll(nullKey))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("putAll: a key is null");
    assertThatThrownBy(() -> t.putAll(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("entries");
    List<String> keys = Arrays.asList("a", null);
    assertThatThrownBy(() -> t.getAll(keys))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("keys: a key is null");
    assertThatThrownBy(() -> t.removeAll(keys))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("keys: a key is null");
    assertThatThrownBy(() -> t.getAll(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("keys");
  }

  @Test
  void emptyBulkOperationsDoNothing() {
    h.tandem.putAll(Map.of());
    assertThat(h.tandem.removeAll(List.of())).isZero();
    assertThat(h.tandem.getAll(List.of())).isEmpty();
  }

  @Test
  void builderValidatesLoudly() {
    assertThatThrownBy(() -> Tandem.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("store");
    Tandem.Builder<String, String> b = Tandem.builder(h.store);
    b.name("x");
    assertThatThrownBy(() -> b.name("y"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("name was already set to x");
    assertThatThrownBy(() -> Tandem.builder(h.store).name(" "))
        .isInstanceOf(IllegalArgumentException.class);
    b.ticker(System::nanoTime);
    assertThatThrownBy(() -> b.ticker(System::nanoTime)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void updateFunctionFailureIsPassedThroughAndWritesNothing() {
    h.store.rows.put("k", new Versioned<>("v", 1));
    assertThatThrownBy(
            () ->
                h.tandem.update(
                    "k",
                    v -> {
                      throw new ArithmeticException("insufficient funds");
                    }))
        .isInstanceOf(ArithmeticException.class)
        .hasMessage("insufficient funds");
    assertThatThrownBy(() -> h.tandem.update("k", v -> null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("update: the function returned null for key k");
    assertThat(h.store.rows.get("k").version()).isEqualTo(1);
    h.store.loads.set(0);
  }

  /**
   * A key of another class than the store's (reached through a raw or unchecked call: an {@code
   * Integer} for a {@code Long}-keyed store) is refused before any I/O. Before, it was cached under
   * an entry no write of the {@code Long} key ever replaced, and read back stale after an
   * acknowledged {@code putAll} (issue 16, item 6).
   */
  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void aKeyOfTheWrongClassIsRefusedBeforeAnyIo() {
    MemoryStore<Long, String> longs = new MemoryStore<>();
    longs.keyType = Long.class;
    try (Tandem<Long, String> typed = Tandem.builder(longs).build()) {
      Tandem raw = typed;
      String message = ": key 7 is a java.lang.Integer, but the store's keys are java.lang.Long";
      assertThatThrownBy(() -> raw.get(7))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("get" + message);
      assertThatThrownBy(() -> raw.put(7, "v"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("put" + message);
      assertThatThrownBy(() -> raw.putAll(Map.of(7, "v")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("putAll" + message);
      assertThatThrownBy(() -> raw.getAll(List.of(7)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("getAll" + message);
      assertThatThrownBy(() -> raw.removeAll(List.of(7)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("removeAll" + message);
      assertThatThrownBy(() -> raw.update(7, v -> v))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("update" + message);
      assertThatThrownBy(() -> raw.transaction(tx -> ((Transaction) tx).get(7)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("transaction" + message);
    }
    assertThat(longs.loads.get()).isZero();
    assertThat(longs.commits.get()).isZero();
  }

  /**
   * A string key with an unpaired surrogate encodes as '?' in UTF-8: it would share its row and
   * entry with another key.
   */
  @Test
  void aKeyWithAnUnpairedSurrogateIsRefused() {
    String bad = "a\uD800b";
    String message = " has an unpaired surrogate at index 1; it cannot be stored faithfully";
    assertThatThrownBy(() -> h.tandem.put(bad, "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("put: key a\uFFFDb" + message);
    assertThatThrownBy(() -> h.tandem.get("x\uDC00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith(
            " has an unpaired surrogate at index 1; it cannot be stored faithfully");
    assertThat(WriteThroughCache.unpairedSurrogate("pair \uD83D\uDE00 ok")).isEqualTo(-1);
    assertThat(WriteThroughCache.unpairedSurrogate("\uDE00\uD83D")).isZero();
    assertThat(WriteThroughCache.unpairedSurrogate("ends high \uD83D")).isEqualTo(10);
  }
}
