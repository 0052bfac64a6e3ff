package dev.tandem.cli.report;

import static dev.tandem.cli.report.Markup.escape;
import static java.util.Objects.requireNonNull;

import dev.tandem.cli.LatencyFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The HTML form of {@link BenchResults} ({@code report.html}): one self-contained page, styles and
 * SVG charts inline, no scripts and nothing fetched, so it opens offline and can be mailed. It
 * shows the throughput bars, a latency-percentile chart per operation, the numbers, and where the
 * run happened.
 */
public final class HtmlReport {

  private static final String STYLE =
      """
      body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2329; margin: 2em auto;
             max-width: 980px; padding: 0 1em; }
      h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 1.8em; }
      .lead { color: #5a6570; margin-top: 0; }
      table { border-collapse: collapse; margin: .6em 0; }
      th, td { padding: .25em .7em; border-bottom: 1px solid #e3e7eb; }
      th { text-align: left; background: #f4f6f8; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
      .chart { max-width: 100%; height: auto; font-size: 12px; fill: #1d2329; }
      .chart .grid { stroke: #e3e7eb; stroke-width: 1; } .chart .axis { fill: #5a6570; }
      .note { color: #5a6570; font-size: .92em; } code { background: #f4f6f8; padding: .1em .3em; }
      """;

  private HtmlReport() {}

  /** Returns {@code results} as a complete HTML document. */
  public static String of(BenchResults results) {
    requireNonNull(results, "results");
    RunSettings s = results.settings();
    Environment e = results.environment();
    StringBuilder html = new StringBuilder(32_768);
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>")
        .append(escape("tandem bench: workload " + s.workload()))
        .append("</title>\n")
        .append("<style>\n")
        .append(STYLE)
        .append("</style>\n</head>\n<body>\n");
    html.append("<h1>tandem bench: workload ")
        .append(escape(s.workload()))
        .append("</h1>\n")
        .append("<p class=\"lead\">")
        .append(
            escape(
                s.workloadDescription()
                    + ", "
                    + s.distribution()
                    + " keys; "
                    + e.database()
                    + " ("
                    + e.databaseSetup()
                    + "); "
                    + e.durability()
                    + "; "
                    + s.threads()
                    + " threads; "
                    + measured(s)))
        .append("</p>\n");

    html.append("<h2>Throughput</h2>\n")
        .append(
            "<p class=\"note\">Operations per second in the measured phase, and the ratio to <b>")
        .append(escape(results.baseline()))
        .append("</b>.</p>\n")
        .append(ThroughputChart.svg(bars(results), results.baseline()));

    for (String operation : results.operations()) {
      html.append("<h2>Latency: ")
          .append(escape(operation))
          .append("</h2>\n")
          .append(
              LatencyChart.svg(operation + " latency by percentile", series(results, operation)));
    }

    html.append("<h2>Numbers</h2>\n");
    numbers(html, results);
    if (results.results().stream().anyMatch(r -> !r.nodes().isEmpty())) {
      html.append("<h2>Nodes</h2>\n");
      nodes(html, results);
    }

    html.append("<h2>Run</h2>\n<table>\n");
    row(html, "command", "<code>" + escape(s.commandLine()) + "</code>");
    row(html, "started", escape(e.startedAt().toString()));
    row(html, "workload", escape(s.workload() + ": " + s.workloadDescription()));
    row(
        html,
        "keys",
        escape(
            String.format(
                Locale.ROOT,
                "%,d records of %,d bytes, %s; caches hold %,d entries",
                s.records(),
                s.valueSize(),
                s.distribution(),
                s.cacheSize())));
    row(html, "load", escape(s.threads() + " threads; " + measured(s) + "; seed " + s.seed()));
    row(html, "database", escape(e.database() + " (" + e.databaseSetup() + ")"));
    row(html, "durability", escape(e.durability()));
    row(
        html,
        "machine",
        escape(
            String.format(
                Locale.ROOT,
                "%d cores, %s memory, %s",
                e.cores(),
                bytes(e.memoryBytes()),
                e.os())));
    row(html, "Java", escape(e.jdk() + ", maximum heap " + bytes(e.maxHeapBytes())));
    row(html, "Tandem", escape(e.tandemVersion()));
    html.append("</table>\n");

    html.append(
        "<p class=\"note\">Each system ran alone, one after another, on a freshly loaded table, in one JVM."
            + " The load is closed-loop: each thread waits for its operation before starting the next, so latencies"
            + " do not include queueing that an open-loop client would see. On a small or shared machine absolute"
            + " numbers move from run to run; the ratios within one run are what to compare. The system that runs first"
            + " also warms the JVM up: to check that the order does not decide a ratio, run again with the systems in"
            + " another order (--compare, naming tandem where it should run). The raw latencies are in"
            + " the HdrHistogram logs (<code>*.hlog</code>) beside this page.</p>\n");
    return html.append("</body>\n</html>\n").toString();
  }

  private static List<ThroughputChart.Bar> bars(BenchResults results) {
    List<ThroughputChart.Bar> bars = new ArrayList<>();
    for (int i = 0; i < results.results().size(); i++) {
      SystemResult r = results.results().get(i);
      bars.add(
          new ThroughputChart.Bar(r.system(), Markup.colour(i), r.opsPerSec(), results.ratio(r)));
    }
    return bars;
  }

  private static List<LatencyChart.Series> series(BenchResults results, String operation) {
    List<LatencyChart.Series> series = new ArrayList<>();
    for (int i = 0; i < results.results().size(); i++) {
      SystemResult r = results.results().get(i);
      for (OperationResult op : r.byOperation()) {
        if (op.operation().equals(operation)) {
          series.add(new LatencyChart.Series(r.system(), Markup.colour(i), op.latency().curve()));
        }
      }
    }
    return series;
  }

  private static void numbers(StringBuilder html, BenchResults results) {
    html.append(
            "<table>\n<tr><th>system</th><th>operation</th><th>ops/s</th><th>p50</th><th>p90</th><th>p99</th>")
        .append("<th>p99.9</th><th>max</th><th>hit ratio</th><th>vs ")
        .append(escape(results.baseline()))
        .append("</th></tr>\n");
    for (SystemResult r : results.results()) {
      List<OperationResult> rows = new ArrayList<>();
      if (r.byOperation().size() > 1) {
        rows.add(new OperationResult("all", r.opsPerSec(), r.latency()));
      }
      rows.addAll(r.byOperation());
      boolean first = true;
      for (OperationResult op : rows) {
        LatencySummary l = op.latency();
        Double hitRatio = r.hitRatio();
        html.append("<tr><td>")
            .append(first ? "<b>" + escape(r.system()) + "</b>" : "")
            .append("</td><td>")
            .append(escape(op.operation()))
            .append("</td>")
            .append(cell(String.format(Locale.ROOT, "%,.0f", op.opsPerSec())))
            .append(latencyCells(l))
            .append(cell(first ? percent(hitRatio) : ""))
            .append(cell(first ? Markup.ratio(results.ratio(r)) : ""))
            .append("</tr>\n");
        first = false;
      }
    }
    html.append("</table>\n");
    StringBuilder descriptions = new StringBuilder("<table>\n");
    for (SystemResult r : results.results()) {
      descriptions
          .append("<tr><td><b>")
          .append(escape(r.system()))
          .append("</b></td><td>")
          .append(escape(r.description()))
          .append("</td></tr>\n");
    }
    html.append(descriptions).append("</table>\n");
  }

  /**
   * Each node of each system that ran on several: its throughput and its share of the system's
   * total, its latencies over all operations, its hit ratio.
   */
  private static void nodes(StringBuilder html, BenchResults results) {
    html.append(
        "<p class=\"note\">Each system ran in one JVM per node against the one database (and"
            + " Redis); the figures above are their total. An even load gives each node an even"
            + " share.</p>\n<table>\n<tr><th>system</th><th>node</th><th>ops/s</th><th>share</th>"
            + "<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>hit ratio</th></tr>\n");
    for (SystemResult r : results.results()) {
      boolean first = true;
      for (SystemResult node : r.nodes()) {
        LatencySummary l = node.latency();
        Double hitRatio = node.hitRatio();
        html.append("<tr><td>")
            .append(first ? "<b>" + escape(r.system()) + "</b>" : "")
            .append("</td><td>")
            .append(escape(node.system()))
            .append("</td>")
            .append(cell(String.format(Locale.ROOT, "%,.0f", node.opsPerSec())))
            .append(
                cell(
                    r.opsPerSec() > 0
                        ? String.format(
                            Locale.ROOT, "%.0f%%", 100 * node.opsPerSec() / r.opsPerSec())
                        : "–"))
            .append(latencyCells(l))
            .append(cell(percent(hitRatio)))
            .append("</tr>\n");
        first = false;
      }
    }
    html.append("</table>\n");
  }

  /** The p50, p90, p99, p99.9 and max cells of a row. */
  private static String latencyCells(LatencySummary l) {
    return cell(latency(l.p50()))
        + cell(latency(l.p90()))
        + cell(latency(l.p99()))
        + cell(latency(l.p999()))
        + cell(latency(l.max()));
  }

  /** A hit ratio as a percentage, or a dash for a system without a cache. */
  private static String percent(@Nullable Double ratio) {
    return ratio == null ? "–" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
  }

  private static String cell(String text) {
    return "<td class=\"n\">" + escape(text) + "</td>";
  }

  private static void row(StringBuilder html, String label, String valueHtml) {
    html.append("<tr><th>")
        .append(escape(label))
        .append("</th><td>")
        .append(valueHtml)
        .append("</td></tr>\n");
  }

  private static String measured(RunSettings s) {
    Duration duration = s.duration();
    String warmup = seconds(s.warmup()) + " warm-up, then ";
    return duration != null
        ? warmup + seconds(duration) + " measured per system"
        : warmup + String.format(Locale.ROOT, "%,d operations measured per system", s.operations());
  }

  private static String seconds(Duration duration) {
    return LatencyFormat.format(duration.toNanos(), "µs");
  }

  private static String latency(double micros) {
    return LatencyFormat.format(Math.round(micros * 1_000), "µs");
  }

  private static String bytes(long bytes) {
    if (bytes <= 0) {
      return "unknown";
    }
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  }
}
