package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TextTableTest {

  @Test
  void alignsColumnsUnderAnUnderlinedHeader() {
    String text =
        print(
            TextTable.of("Source", "Latency")
                .alignRight(1)
                .row("database", "412 µs")
                .row("cache", "3.10 µs"),
            Terminal.plain(false));

    assertThat(text.lines())
        .containsExactly(
            "  Source    Latency",
            "  --------  -------",
            "  database   412 µs",
            "  cache     3.10 µs");
  }

  @Test
  void measuresCellsWithoutTheirColour() {
    Terminal plain = Terminal.plain(true);
    String coloured = "\u001B[32mok\u001B[0m";

    String text = print(TextTable.of("A", "B").row(coloured, "x").row("long", "y"), plain);

    assertThat(text.lines()).contains("  " + coloured + "    x", "  long  y");
    assertThat(Terminal.width(coloured)).isEqualTo(2);
  }

  @Test
  void aTableWithoutHeaderPrintsOnlyItsRows() {
    String text =
        print(
            TextTable.withoutHeader(2).row("Flight", "SU2315").row("Departure", "2025-10-05 04:25"),
            Terminal.plain(true));

    assertThat(text.lines())
        .containsExactly("  Flight     SU2315", "  Departure  2025-10-05 04:25");
  }

  @Test
  void rejectsARowOfTheWrongWidth() {
    assertThatThrownBy(() -> TextTable.of("A", "B").row("only one"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 columns but the row has 1");
  }

  @Test
  void aPlainTerminalNeverEmitsEscapes() {
    Terminal plain = Terminal.plain(true);

    assertThat(plain.green("ok") + plain.bold("b") + plain.red("r") + plain.dim("d"))
        .isEqualTo("okbrd");
    assertThat(Terminal.plain(false).check() + Terminal.plain(false).arrow()).isEqualTo("ok->");
  }

  private static String print(TextTable table, Terminal terminal) {
    StringWriter text = new StringWriter();
    table.print(new PrintWriter(text, true), terminal);
    return text.toString();
  }
}
