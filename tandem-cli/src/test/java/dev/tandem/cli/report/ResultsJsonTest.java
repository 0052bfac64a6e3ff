package dev.tandem.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultsJsonTest {

  @Test
  @SuppressWarnings("unchecked")
  void parsesAndHasTheShapeOfIssue4WithOneEntryPerSystemInRunOrder() {
    Map<String, Object> json = Json.object(ResultsJson.of(Samples.results()));

    assertThat(json)
        .containsEntry("scenario", "A")
        .containsEntry("threads", 8.0)
        .containsEntry("baseline", "direct")
        .containsEntry("records", 10_000.0)
        .containsEntry("duration_s", 10.0)
        .containsEntry("seed", 42.0);
    List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
    assertThat(results)
        .extracting(r -> r.get("system"))
        .containsExactly("tandem", "direct", "naive");
    for (Map<String, Object> r : results) {
      assertThat(r)
          .containsKeys(
              "ops_per_sec",
              "p50_us",
              "p90_us",
              "p99_us",
              "p999_us",
              "max_us",
              "ratio",
              "hit_ratio",
              "by_operation");
      assertThat((Double) r.get("p50_us")).isLessThanOrEqualTo((Double) r.get("p99_us"));
      assertThat((Double) r.get("p99_us")).isLessThanOrEqualTo((Double) r.get("max_us"));
    }
    assertThat(results.get(0).get("ops_per_sec")).isEqualTo(30_000.0);
    assertThat((Double) results.get(0).get("ratio")).isCloseTo(3.0, within(1e-9));
    assertThat((Double) results.get(1).get("ratio")).isEqualTo(1.0);
    assertThat(results.get(1).get("hit_ratio")).as("no cache, no hit ratio").isSameAs(Json.NULL);
    assertThat(results.get(0).get("hit_ratio")).isEqualTo(0.95);
  }

  @Test
  @SuppressWarnings("unchecked")
  void carriesTheMachineTheDatabaseAndPercentileCurvesPerOperation() {
    Map<String, Object> json = Json.object(ResultsJson.of(Samples.results()));

    Map<String, Object> machine = (Map<String, Object>) json.get("machine");
    assertThat(machine)
        .containsEntry("cores", 2.0)
        .containsEntry("memory_bytes", (double) (8L << 30))
        .containsEntry("jdk", "21.0.5 (Test)");
    assertThat((Map<String, Object>) json.get("database"))
        .containsEntry("product", "H2 2.3.232")
        .containsEntry("fsync", "n/a")
        .containsEntry("synchronous_commit", "n/a");
    Map<String, Object> read =
        ((List<Map<String, Object>>)
                ((List<Map<String, Object>>) json.get("results")).get(0).get("by_operation"))
            .get(0);
    assertThat(read).containsEntry("operation", "read").containsEntry("count", 1_000.0);
    List<List<Double>> curve = (List<List<Double>>) read.get("percentiles");
    assertThat(curve.get(0).get(0)).isEqualTo(0.0);
    assertThat(curve.get(curve.size() - 1).get(0)).isEqualTo(100.0);
    assertThat(curve).extracting(p -> p.get(1)).isSorted();
  }

  /**
   * The layout of results.json (two spaces, one element per line, {@code "name": value}, numbers
   * with at most three decimals) is what the hand-written writer before Jackson produced, byte for
   * byte: scripts that diff or grep the files keep working.
   */
  @Test
  void layoutIsByteForByteTheDocumentedOne() throws IOException {
    try (InputStream golden = ResultsJsonTest.class.getResourceAsStream("results-sample.json")) {
      assertThat(ResultsJson.of(Samples.results()))
          .isEqualTo(new String(golden.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void numbersHaveAtMostThreeDecimalsAndNonFiniteOnesAreNull() {
    assertThat(ResultsJson.number(Double.NaN)).isNull();
    assertThat(ResultsJson.number(Double.POSITIVE_INFINITY)).isNull();
    assertThat(ResultsJson.number(3.0)).isEqualTo("3");
    assertThat(ResultsJson.number(0.5)).isEqualTo("0.5");
    assertThat(ResultsJson.number(20.0149)).isEqualTo("20.015");
    assertThat(ResultsJson.number(-2.5)).isEqualTo("-2.5");
    assertThat(ResultsJson.number(12345678.9)).isEqualTo("12345678.9");
  }

  @Test
  void readerRefusesWhatIsNotStrictJson() {
    for (String bad :
        List.of("{\"a\": 1,}", "{a: 1}", "{\"a\": NaN}", "{\"a\": 1, \"a\": 2}", "{} {}")) {
      assertThatThrownBy(() -> Json.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void carriesEachNodeOfASystemThatRanOnSeveral() {
    List<Map<String, Object>> results =
        (List<Map<String, Object>>) Json.object(ResultsJson.of(Samples.withNodes())).get("results");

    List<Map<String, Object>> nodes = (List<Map<String, Object>>) results.get(0).get("nodes");
    assertThat(nodes)
        .extracting(n -> n.get("node"))
        .containsExactly("tandem node 0", "tandem node 1");
    assertThat(nodes).extracting(n -> n.get("ops_per_sec")).containsExactly(20_000.0, 10_000.0);
    assertThat(nodes.get(1)).containsEntry("hit_ratio", 0.94).containsKeys("p50_us", "p99_us");
    assertThat(results.get(1)).as("ran in one JVM").doesNotContainKey("nodes");
  }
}
