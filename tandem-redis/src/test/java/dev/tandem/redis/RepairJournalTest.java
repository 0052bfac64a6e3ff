package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AVAILABLE policy's journal: keys survive a reopen, a failed repair keeps them, a repair empties it. */
class RepairJournalTest {

  @TempDir Path directory;

  private static byte[] key(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void recordedKeysSurviveAReopenOnceEach() {
    Path file = directory.resolve("j");
    try (RepairJournal journal = new RepairJournal(file)) {
      journal.record(key("a{1}"));
      journal.record(key("a{2}"));
      journal.record(key("a{1}"));
      assertThat(journal.pending()).as("records, not keys").isEqualTo(3);
    }
    try (RepairJournal reopened = new RepairJournal(file)) {
      assertThat(reopened.pending()).as("counted again from the file").isEqualTo(3);
      assertThat(reopened.recorded()).extracting(b -> new String(b, StandardCharsets.UTF_8))
          .containsExactly("a{1}", "a{2}");
      reopened.record(key("a{3}"));
      assertThat(reopened.recorded()).hasSize(3);
      assertThat(reopened.pending()).isEqualTo(4);
    }
  }

  @Test
  void aFailedRepairKeepsEveryKeyAndASuccessfulOneEmptiesTheJournal() {
    try (RepairJournal journal = new RepairJournal(directory.resolve("j"))) {
      assertThat(journal.record(key("a{1}"))).isZero();
      assertThatThrownBy(() -> journal.repair(keys -> {
        throw new IllegalStateException("Redis went away");
      })).hasMessage("Redis went away");
      assertThat(journal.recorded()).hasSize(1);
      assertThat(journal.pending()).as("a failed repair keeps the record").isEqualTo(1);
      List<byte[]> repaired = new ArrayList<>();
      journal.repair(repaired::addAll);
      assertThat(repaired).hasSize(1);
      assertThat(journal.recorded()).isEmpty();
      assertThat(journal.pending()).isZero();
      assertThat(journal.repairs()).as("a record made before 1 was repaired").isEqualTo(1);
      assertThat(journal.record(key("a{2}"))).isEqualTo(1);
      assertThat(journal.recorded()).hasSize(1);
    }
  }
}
