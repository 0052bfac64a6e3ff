package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Styling: escapes only with colour on, and never counted in a text's width. */
class TerminalTest {

  @Test
  void everyStyleWrapsItsTextInEscapesThatTakeNoWidth() {
    Terminal colour = Terminal.of(true, true);
    for (UnaryOperator<String> style :
        List.<UnaryOperator<String>>of(
            colour::bold, colour::dim, colour::green, colour::red, colour::yellow, colour::cyan)) {
      String styled = style.apply("abc");
      assertThat(styled).startsWith("\u001B[").contains("abc").isNotEqualTo("abc");
      assertThat(Terminal.width(styled)).isEqualTo(3);
    }
  }

  @Test
  void withoutColourTextIsLeftAlone() {
    Terminal plain = Terminal.plain(false);
    assertThat(plain.bold("abc")).isEqualTo("abc");
    assertThat(plain.red("abc")).isEqualTo("abc");
    assertThat(plain.check()).isEqualTo("ok");
  }
}
