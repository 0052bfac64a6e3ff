package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AVAILABLE policy's journal: keys survive a reopen, a failed repair keeps them, a repair
 * empties it; a torn last record or a damaged line does not stop the repair of the other keys; one
 * file serves one tier at a time, in this process and across processes.
 */
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
      assertThat(reopened.recorded())
          .extracting(b -> new String(b, StandardCharsets.UTF_8))
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
      assertThatThrownBy(
              () ->
                  journal.repair(
                      keys -> {
                        throw new IllegalStateException("Redis went away");
                      }))
          .hasMessage("Redis went away");
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

  private static List<String> texts(List<byte[]> keys) {
    return keys.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  /**
   * A crash in the middle of an append left half a line; the next record must not be glued to it.
   */
  @Test
  void aTornLastRecordIsCutOffAtOpen() throws Exception {
    Path file = directory.resolve("j");
    try (RepairJournal journal = new RepairJournal(file)) {
      journal.record(key("a{1}"));
    }
    Files.writeString(
        file, "YXsyfQ", StandardOpenOption.APPEND); // 6 of the 8 characters of "a{2}", no newline
    try (RepairJournal reopened = new RepairJournal(file)) {
      assertThat(reopened.pending()).isEqualTo(1);
      reopened.record(key("a{3}"));
      assertThat(texts(reopened.recorded())).containsExactly("a{1}", "a{3}");
      assertThat(reopened.skipped()).isZero();
    }
    assertThat(Files.readString(file)).isEqualTo("YXsxfQ==\nYXszfQ==\n");
  }

  /** One damaged line made every repair throw, so the tier could never reconnect. */
  @Test
  void anUndecodableLineIsSkippedAndTheOtherKeysAreRepaired() throws Exception {
    Path file = directory.resolve("j");
    Files.writeString(file, "YXsxfQ==\n%%damaged%%\nYXsyfQ==\n");
    try (RepairJournal journal = new RepairJournal(file)) {
      assertThat(journal.pending()).isEqualTo(2);
      assertThat(journal.skipped()).isEqualTo(1);
      List<byte[]> repaired = new ArrayList<>();
      journal.repair(repaired::addAll);
      assertThat(texts(repaired)).containsExactly("a{1}", "a{2}");
      assertThat(journal.pending()).isZero();
      assertThat(journal.skipped()).as("the damaged line went with the repair").isZero();
    }
    assertThat(Files.readString(file)).isEmpty();
  }

  @Test
  void aSecondJournalOnTheSameFileInThisProcessIsRefused() throws Exception {
    Path file = directory.resolve("j");
    try (RepairJournal journal = new RepairJournal(file)) {
      journal.record(key("a{1}"));
      assertThatThrownBy(() -> new RepairJournal(file))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "the repair journal "
                  + file
                  + " is in use by another Redis tier (in this or another process):"
                  + " give each tier its own repair journal file");
      Path sameFile = directory.resolve(".").resolve("j");
      assertThatThrownBy(() -> new RepairJournal(sameFile))
          .isInstanceOf(IllegalStateException.class);
      assertThat(probe(file, "check"))
          .as("the refused attempts left the lock in place")
          .isEqualTo("busy");
      assertThat(texts(journal.recorded())).containsExactly("a{1}");
    }
    try (RepairJournal after = new RepairJournal(file)) {
      assertThat(after.pending()).as("closed, the file can be opened again").isEqualTo(1);
    }
  }

  @Test
  void aJournalLockedByAnotherProcessIsRefused() throws Exception {
    Path file = directory.resolve("j");
    Process holder = probeProcess(file, "hold");
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("held");
      assertThatThrownBy(() -> new RepairJournal(file))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is in use by another Redis tier");
    } finally {
      holder.getOutputStream().close(); // the holder exits when its input ends
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    try (RepairJournal journal = new RepairJournal(file)) {
      assertThat(journal.pending()).isZero();
      assertThat(probe(file, "check")).as("another process sees this one's lock").isEqualTo("busy");
    }
  }

  /**
   * Runs a JVM that tries to lock {@code file}: "check" prints "busy" or "free"; "hold" prints
   * "held" and waits.
   */
  private String probe(Path file, String mode) throws Exception {
    Process process = probeProcess(file, mode);
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String answer = out.readLine();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return answer;
    }
  }

  private Process probeProcess(Path file, String mode) throws Exception {
    Path source = directory.resolve("LockProbe.java");
    Files.writeString(
        source,
        """
        import java.nio.channels.FileChannel;
        import java.nio.file.*;
        public class LockProbe {
          public static void main(String[] args) throws Exception {
            try (FileChannel c = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
              var lock = c.tryLock();
              if (args[1].equals("check")) {
                System.out.println(lock == null ? "busy" : "free");
                return;
              }
              System.out.println(lock == null ? "busy" : "held");
              System.out.flush();
              System.in.read();
            }
          }
        }
        """);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, source.toString(), file.toString(), mode)
        .redirectErrorStream(true)
        .start();
  }
}
