package dev.tandem.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON Lines file: round trips, the exact line format, and loud errors. */
class HistoryFileTest {

  @TempDir Path dir;

  private static HistoryRecorder recorderWithEveryKindOfEvent() {
    AtomicLong clock = new AtomicLong(-5); // nanoTime may be negative
    HistoryRecorder recorder = new HistoryRecorder(() -> clock.getAndAdd(7));
    recorder.invoke(0, Action.WRITE, "k7", 42L).ok();
    recorder.invoke(1, Action.READ, "k7", null).ok(42L);
    recorder.invoke(1, Action.READ, "k\"odd\\key\n", null).ok(null);
    recorder.invokeCas(2, "k7", null, 43L).ok(42L, 43L);
    recorder.invokeCas(2, "k7", 43L, 44L).fail();
    recorder.invoke(0, Action.DELETE, "k7", null).info();
    recorder.invoke(3, Action.WRITE, "k1", Long.MIN_VALUE).fail();
    recorder.invoke(3, Action.DB_READ, "k7", null).ok(Long.MAX_VALUE);
    recorder.invoke(4, Action.WRITE, "k1", 45L); // never completed
    return recorder;
  }

  @Test
  void historyWrittenToAFileReadsBackIdentically() {
    History history = recorderWithEveryKindOfEvent().history();
    Path file = dir.resolve("history.jsonl");
    history.write(file);

    History read = History.read(file);

    assertThat(read).isEqualTo(history);
    assertThat(read.events()).containsExactlyElementsOf(history.events());
    assertThat(read.operations()).containsExactlyElementsOf(history.operations());
    assertThat(read.operations()).hasSize(9);
    assertThat(read.operations().get(8).isPending()).isTrue();
  }

  @Test
  void eachEventIsOneJsonObjectWithTheDocumentedFields() throws IOException {
    Path file = dir.resolve("history.jsonl");
    recorderWithEveryKindOfEvent().write(file);

    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);

    assertThat(lines)
        .hasSize(17)
        .startsWith(
            "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k7\",\"value\":42,\"time\":-5}",
            "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"k7\",\"value\":42,\"time\":2}",
            "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k7\",\"value\":null,\"time\":9}",
            "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k7\",\"value\":42,\"time\":16}",
            "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\\\"odd\\\\key\\n\",\"value\":null,\"time\":23}");
    assertThat(lines)
        .contains(
            "{\"process\":2,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"k7\",\"value\":[null,43],\"time\":37}",
            "{\"process\":2,\"type\":\"ok\",\"f\":\"cas\",\"key\":\"k7\",\"value\":[42,43],\"time\":44}",
            "{\"process\":0,\"type\":\"info\",\"f\":\"delete\",\"key\":\"k7\",\"value\":null,\"time\":72}",
            "{\"process\":3,\"type\":\"ok\",\"f\":\"db-read\",\"key\":\"k7\",\"value\":9223372036854775807,\"time\":100}");
  }

  @Test
  void readerAcceptsWhitespaceAnyFieldOrderUnknownFieldsAndBlankLines() throws IOException {
    Path file = dir.resolve("other-tool.jsonl");
    Files.writeString(
        file,
        """
        {"process": 3, "type": "invoke", "f": "cas", "key": "k7", "value": [41, 42], "time": 10}

        { "time" : 20 , "f":"cas","key":"k7","type":"ok","process":3,"value":[41,42],"error":{"x":[1.5,true]}}
        """);

    History history = History.read(file);

    assertThat(history.operations())
        .singleElement()
        .isEqualTo(new Operation(0, 3, Action.CAS, "k7", Outcome.OK, 41L, 42L, 10, 20));
  }

  @Test
  void malformedLineIsReportedWithItsNumber() throws IOException {
    Path file = dir.resolve("bad.jsonl");
    Files.writeString(
        file,
        """
        {"process":1,"type":"invoke","f":"read","key":"k1","value":null,"time":1}
        {"process":1,"type":"ok","f":"scan","key":"k1","value":null,"time":2}
        """);
    assertThatThrownBy(() -> History.read(file))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("line 2: unknown f \"scan\"");

    Files.writeString(
        file, "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k1\",\"time\":1.5}\n");
    assertThatThrownBy(() -> History.read(file))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("line 1: \"time\" must be an integer but was 1.5");

    Files.writeString(file, "{\"process\":1,\"type\":\"invoke\"\n");
    assertThatThrownBy(() -> History.read(file))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("line 1: unexpected end of line at column 29");

    Files.writeString(
        file,
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"k\",\"value\":5,\"time\":1}\n");
    assertThatThrownBy(() -> History.read(file))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("the value of a cas must be [old, new] but was 5");
  }

  @Test
  void missingFileIsAnUncheckedIoError() {
    assertThatThrownBy(() -> History.read(dir.resolve("missing.jsonl")))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining("cannot read history");
  }
}
