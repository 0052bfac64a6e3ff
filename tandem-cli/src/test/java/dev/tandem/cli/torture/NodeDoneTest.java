package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.cli.CommandFailedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The line a node of {@code torture --processes} ends with, as the parent reads it. */
class NodeDoneTest {

  @Test
  void aDoneLineIsOneJsonObjectThatReadsBackAsWritten() {
    NodeDone done =
        new NodeDone(
            3, 1, 2, List.of("put k1: boom {\"done\": no", "get k2: x"), 5_000_000_000L, true);

    String line = done.toLine();

    assertThat(line).startsWith("{\"" + NodeDone.WORD + "\":").doesNotContain("\n");
    assertThat(NodeDone.parse("node 0", line)).isEqualTo(done);
  }

  @Test
  void aLineThatIsNotADoneLineFailsNamingTheNode() {
    assertThatThrownBy(() -> NodeDone.parse("node 1 (process 42)", "done 3 1 2 5000 0"))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageStartingWith("node 1 (process 42) ended with a done line");
    assertThatThrownBy(() -> NodeDone.parse("node 1 (process 42)", "{\"ready\":{}}"))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageContaining("not a done line");
  }
}
