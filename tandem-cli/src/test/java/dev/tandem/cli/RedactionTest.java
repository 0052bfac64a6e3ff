package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Redaction} masks every form of secret a URL, a command line or a message can carry, and
 * nothing else.
 */
class RedactionTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      jdbc:h2:mem:x;USER=sa;PASSWORD=hunter2                          | jdbc:h2:mem:x;USER=sa;PASSWORD=***
      jdbc:h2:mem:x;password=hunter2;TRACE_LEVEL_FILE=0               | jdbc:h2:mem:x;password=***;TRACE_LEVEL_FILE=0
      jdbc:postgresql://db:5432/app?password=hunter2                  | jdbc:postgresql://db:5432/app?password=***
      jdbc:postgresql://db/app?user=me&password=hunter2&ssl=true      | jdbc:postgresql://db/app?user=me&password=***&ssl=true
      jdbc:postgresql://db/app?sslpassword=hunter2                    | jdbc:postgresql://db/app?sslpassword=***
      postgresql://me:hunter2@db:5432/app                             | postgresql://me:***@db:5432/app
      redis://:hunter2@cache:6379/0                                   | redis://:***@cache:6379/0
      redis://me:hunter2@cache:6379                                   | redis://me:***@cache:6379
      rediss://hunter2@cache                                          | rediss://***@cache
      redis-sentinel://me:hunter2@s1:26379/0#mymaster                 | redis-sentinel://me:***@s1:26379/0#mymaster
      cannot open jdbc:h2:mem:x;PASSWORD=hunter2 (wrong user)         | cannot open jdbc:h2:mem:x;PASSWORD=*** (wrong user)
      """)
  void masksTheSecret(String text, String masked) {
    assertThat(Redaction.text(text)).isEqualTo(masked).doesNotContain("hunter2");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      jdbc:postgresql://localhost:5432/app?user=postgres
      jdbc:h2:mem:x;DB_CLOSE_DELAY=-1
      redis://127.0.0.1:6379/0
      tandem bench --jdbc-password-env DB_SECRET --jdbc-password-file /run/secrets/db
      mailto:someone@example.com
      """)
  void leavesTextWithoutSecretsAlone(String text) {
    assertThat(Redaction.text(text)).isEqualTo(text);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      jdbc:postgresql://db/app?user=me&password=hunter2 | jdbc:postgresql://db/app
      jdbc:h2:mem:x;PASSWORD=hunter2                    | jdbc:h2:mem:x;PASSWORD=***
      redis://:hunter2@cache:6379?timeout=5s            | redis://:***@cache:6379
      """)
  void aUrlForDisplayEndsBeforeItsQueryAndMasksTheRest(String url, String shown) {
    assertThat(Redaction.url(url)).isEqualTo(shown);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      --jdbc-password,hunter two,--threads,4                      | --jdbc-password,***,--threads,4
      --jdbc-password=hunter two                                  | --jdbc-password=***
      --redis-password,hunter2                                    | --redis-password,***
      --jdbc-url,jdbc:h2:mem:x;PASSWORD=hunter2                   | --jdbc-url,jdbc:h2:mem:x;PASSWORD=***
      --jdbc-password-env,DB_SECRET,--jdbc-password-file,/s/db    | --jdbc-password-env,DB_SECRET,--jdbc-password-file,/s/db
      """)
  void masksTheSecretsOfCommandLineArguments(String args, String masked) {
    assertThat(Redaction.arguments(List.of(args.split(",")))).containsExactly(masked.split(","));
  }
}
