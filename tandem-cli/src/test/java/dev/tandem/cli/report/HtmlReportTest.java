package dev.tandem.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

  private final String html = HtmlReport.of(Samples.results());

  @Test
  void hasAThroughputChartAndALatencyChartPerOperation() {
    assertThat(count("<svg ")).isEqualTo(3);
    assertThat(html)
        .contains("<h2>Throughput</h2>", "<h2>Latency: read</h2>", "<h2>Latency: update</h2>");
    String throughput = section("<h2>Throughput</h2>", "<h2>Latency: read</h2>");
    assertThat(throughput)
        .contains(">tandem</text>", ">direct</text>", ">naive</text>")
        .contains("30,000 ops/s  3.00×", "10,000 ops/s  1.00× (baseline)");
    assertThat(count("<rect ")).isEqualTo(3);
  }

  @Test
  void drawsOneLinePerSystemOnEachLatencyChartWithPercentileTicks() {
    String read = section("<h2>Latency: read</h2>", "<h2>Latency: update</h2>");
    assertThat(Pattern.compile("<polyline ").matcher(read).results().count()).isEqualTo(3);
    assertThat(read)
        .contains(">0%<", ">90%<", ">99%<", ">max<")
        .contains("µs<")
        .contains("<title>tandem p90: ");
    Matcher points = Pattern.compile("points=\"([^\"]+)\"").matcher(read);
    assertThat(points.find()).isTrue();
    String[] xy = points.group(1).split(" ");
    double previousX = -1;
    for (String point : xy) {
      double x = Double.parseDouble(point.split(",")[0]);
      assertThat(x).as("percentiles increase along the line").isGreaterThanOrEqualTo(previousX);
      previousX = x;
    }
  }

  @Test
  void showsTheNumbersAndTheRun() {
    assertThat(html)
        .contains(
            "<h2>Numbers</h2>",
            "<b>tandem</b>",
            "95.0%",
            "3.00×",
            "2 cores, 8.0 GiB memory",
            "H2 2.3.232 (embedded, in memory)",
            "21.0.5 (Test)",
            "0.1.0-TEST",
            "seed 42");
  }

  @Test
  void isSelfContainedAndEscapesText() {
    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .endsWith("</html>\n")
        .doesNotContain("<script", "<link", "src=", "href=", "url(", "@import")
        .contains("tandem bench --compare direct,naive &lt;script&gt;")
        .contains("the tandem &lt;system&gt; &amp; co");
  }

  @Test
  void theReportDirectoryHoldsTheHtmlAndTheJson(@TempDir Path dir) throws IOException {
    ReportDirectory report = ReportDirectory.create(dir.resolve("nested/report"));

    Path written = report.write(Samples.results());

    assertThat(written).hasFileName("report.html").hasContent(html);
    assertThat(Json.object(Files.readString(report.directory().resolve("results.json"))))
        .containsEntry("scenario", "A");
    assertThat(report.histogramLog("raw-jdbc")).hasFileName("raw-jdbc.hlog");
    assertThat(report.histogramLog("raw-jdbc").getParent()).isEqualTo(report.directory());
  }

  @Test
  void showsEachNodeOfASystemThatRanOnSeveral() {
    assertThat(html).as("one JVM per system: no nodes section").doesNotContain("<h2>Nodes</h2>");

    String nodes = HtmlReport.of(Samples.withNodes());
    String section =
        nodes.substring(nodes.indexOf("<h2>Nodes</h2>"), nodes.indexOf("<h2>Run</h2>"));
    assertThat(section)
        .contains("<b>tandem</b>", "tandem node 0", "tandem node 1")
        .contains(">20,000<", ">67%<", ">10,000<", ">33%<", ">96.0%<", ">94.0%<")
        .doesNotContain("direct", "naive");
  }

  @Test
  void labelsTicksAsPeopleWriteThem() {
    assertThat(LatencyChart.percentLabel(0)).isEqualTo("0%");
    assertThat(LatencyChart.percentLabel(2)).isEqualTo("99%");
    assertThat(LatencyChart.percentLabel(4)).isEqualTo("99.99%");
    assertThat(LatencyChart.decade(-1)).isEqualTo("100 ns");
    assertThat(LatencyChart.decade(0)).isEqualTo("1 µs");
    assertThat(LatencyChart.decade(2)).isEqualTo("100 µs");
    assertThat(LatencyChart.decade(4)).isEqualTo("10 ms");
    assertThat(LatencyChart.decade(6)).isEqualTo("1 s");
  }

  private long count(String text) {
    return Pattern.compile(Pattern.quote(text)).matcher(html).results().count();
  }

  private String section(String from, String to) {
    return html.substring(html.indexOf(from), html.indexOf(to));
  }
}
