package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The scripts name the metadata fields through {@link MetaField}; none spells one by hand. */
class MetaFieldTest {

  private static final List<String> SCRIPTS =
      List.of(
          "lib",
          "abandon",
          "apply",
          "before_write",
          "begin_fill",
          "cancel_fill",
          "drop_undecodable",
          "fence",
          "fill",
          "invalidate",
          "retire");

  /** A quoted field name: 'l', 'f', 'm' or 'w:' (or in double quotes). */
  private static final Pattern SPELLED = Pattern.compile("['\"](l|f|m|w:)['\"]");

  @Test
  void noScriptSpellsAMetadataField() throws IOException {
    for (String script : SCRIPTS) {
      assertThat(SPELLED.matcher(source(script)).find())
          .as(script + ".lua spells a metadata field")
          .isFalse();
    }
  }

  @Test
  void everyNamedScriptIsPrecededByTheFieldNames() {
    String constants = MetaField.luaConstants();
    for (String name : List.of("lease", "fence", "mark", "write")) {
      assertThat(constants)
          .contains("local META_" + name.toUpperCase(java.util.Locale.ROOT) + " = ");
    }
    assertThat(constants).contains("'" + MetaField.WRITE_PREFIX + "'");
  }

  private static String source(String script) throws IOException {
    try (InputStream in =
        MetaFieldTest.class.getResourceAsStream("/dev/tandem/redis/" + script + ".lua")) {
      assertThat(in).as(script + ".lua").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
