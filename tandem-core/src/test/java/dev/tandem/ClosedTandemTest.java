package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Every call on a closed Tandem throws {@link IllegalStateException}. Before, {@code get} went on
 * answering from the cache after {@code close()} and {@code put} failed with {@link StoreException}
 * from the closed store, as if the database had failed (issue 16, item 6).
 */
class ClosedTandemTest {

  @Test
  void everyCallAfterCloseThrowsIllegalStateException() {
    Harness h = new Harness();
    Tandem<String, String> t = h.tandem;
    t.put("k", "v");
    assertThat(t.get("k")).contains("v");
    h.close();

    List<ThrowingCallable> calls =
        List.of(
            () -> t.get("k"),
            () -> t.getVersioned("k"),
            () -> t.getIfCached("k"),
            () -> t.getAll(List.of("k")),
            () -> t.put("k", "w"),
            () -> t.putAll(Map.of("k", "w")),
            () -> t.putIfVersion("k", 1, "w"),
            () -> t.update("k", v -> v),
            () -> t.remove("k"),
            () -> t.removeAll(List.of("k")),
            () -> t.transaction(tx -> null),
            () -> t.invalidate("k"),
            t::invalidateAll,
            t::estimatedSize);
    for (ThrowingCallable call : calls) {
      assertThatThrownBy(call)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageEndingWith(": this Tandem is closed");
    }
    assertThat(h.store.commits.get()).as("only the first put").isEqualTo(1);
    assertThat(t.stats().writeCount()).as("stats stay readable").isEqualTo(1);
    t.close(); // idempotent
  }
}
