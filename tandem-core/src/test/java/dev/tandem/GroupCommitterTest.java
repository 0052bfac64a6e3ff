package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.spi.Mutation;
import dev.tandem.spi.Written;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The group committer alone, with a batch runner that the test controls. */
class GroupCommitterTest {

  private static WriteRequest<String, String, Long> put(String key) {
    return WriteRequest.mutations("put", List.of(key), List.of(new Mutation.Put<>(key, "v")), written -> 1L);
  }

  /**
   * A leader whose own request sits behind another writer's (more queued than one batch holds)
   * meets an {@link Error} in that writer's batch: it fails that batch's requests with the error as
   * the cause and goes on leading until its own request is done. Before, it threw the error and
   * left its request queued: its caller saw a failure for a write that later committed, and the
   * writers parked behind that request were never woken.
   */
  @Test
  void aLeaderGoesOnLeadingPastAnErrorInAnotherWritersBatch() {
    List<List<String>> batches = new ArrayList<>();
    GroupCommitter<String, String> committer = new GroupCommitter<>(1, 0, batch -> {
      batches.add(batch.stream().map(r -> r.keys.get(0)).toList());
      if (batch.get(0).keys.contains("other")) {
        throw new AssertionError("driver assertion (injected)");
      }
      batch.forEach(r -> {
        r.stageWritten(List.of(new Written(7, false)));
        r.succeed();
      });
    });
    WriteRequest<String, String, Long> other = put("other");
    committer.enqueue(other); // queued, its writer not yet trying to lead

    long version = committer.submit(put("own"));

    assertThat(version).isEqualTo(1L);
    assertThat(batches).containsExactly(List.of("other"), List.of("own"));
    assertThat(other.isDone()).isTrue();
    assertThat(committer.queued()).isZero();
    assertThatThrownBy(other::join).isInstanceOf(StoreException.class)
        .cause().isInstanceOf(AssertionError.class);
  }
}
