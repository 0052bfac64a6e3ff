package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code update} is an atomic read-modify-write: concurrent increments are never lost. */
class ConcurrentUpdateTest {

  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void concurrentIncrementsAreNeverLost() {
    h.tandem.put("balance", "0");
    int threads = 8;
    int increments = 500;
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          h.async(
              () -> {
                for (int i = 0; i < increments; i++) {
                  h.tandem.update("balance", v -> Integer.toString(Integer.parseInt(v) + 1));
                  if (i % 50 == 0) {
                    h.tandem.invalidate("balance"); // reads and fills interleave with the updates
                  }
                  h.tandem.get("balance");
                }
                return null;
              }));
    }
    futures.forEach(Harness::get);

    String expected = Integer.toString(threads * increments);
    assertThat(h.store.rows.get("balance").value()).isEqualTo(expected);
    assertThat(h.tandem.get("balance")).contains(expected);
    assertThat(h.tandem.lockedKeys()).isZero();
  }

  @Test
  void updateOfAbsentKeyDoesNothing() {
    assertThat(h.tandem.update("nobody", v -> v + "!")).isEmpty();
    assertThat(h.store.rows).isEmpty();
    assertThat(h.tandem.get("nobody")).isEmpty();
  }
}
