package dev.tandem.ycsb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class YcsbSettingsTest {

  @Test
  void readsYcsbsPropertiesWithTheirDefaults() {
    Properties p = new Properties();
    p.setProperty("db.url", "jdbc:postgresql://localhost/ycsb");

    YcsbSettings s = YcsbSettings.of(p);

    assertThat(s.table()).isEqualTo("usertable");
    assertThat(s.fields()).hasSize(10).startsWith("field0").endsWith("field9");
    assertThat(s.threads()).isEqualTo(1);
    assertThat(s.recreate()).isFalse();
    assertThat(s.postgres()).isTrue();
  }

  @Test
  void namesTheBadProperty() {
    Properties p = new Properties();
    assertThatThrownBy(() -> YcsbSettings.of(p)).hasMessageStartingWith("db.url must be set");
    p.setProperty("db.url", "jdbc:h2:mem:x");
    p.setProperty("fieldcount", "0");
    assertThatThrownBy(() -> YcsbSettings.of(p))
        .hasMessage("fieldcount must be positive but was 0");
    p.setProperty("fieldcount", "ten");
    assertThatThrownBy(() -> YcsbSettings.of(p))
        .hasMessage("fieldcount must be a number but was ten");
    p.setProperty("fieldcount", "3");
    p.setProperty("table", "user table");
    assertThatThrownBy(() -> YcsbSettings.of(p))
        .hasMessage("table must be a plain SQL name but was user table");
  }

  @Test
  void theSchemaScansKeysInOrder() {
    Properties p = new Properties();
    p.setProperty("db.url", "jdbc:h2:mem:x");

    assertThat(UsertableSchema.scanKeysSql(YcsbSettings.of(p), 7))
        .isEqualTo("SELECT ycsb_key FROM usertable WHERE ycsb_key >= ? ORDER BY ycsb_key LIMIT 7");
  }
}
