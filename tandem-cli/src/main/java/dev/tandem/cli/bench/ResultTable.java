package dev.tandem.cli.bench;

import dev.tandem.cli.Terminal;
import dev.tandem.cli.TextTable;
import dev.tandem.cli.report.BenchResults;
import dev.tandem.cli.report.LatencySummary;
import dev.tandem.cli.report.OperationResult;
import dev.tandem.cli.report.SystemResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The table printed at the end of a run: per system its throughput, the ratio to the baseline and
 * the hit ratio, then per operation the throughput and latency percentiles.
 */
final class ResultTable {

  private ResultTable() {}

  static void print(BenchResults results, PrintWriter out, Terminal terminal) {
    TextTable table =
        TextTable.of(
                "System",
                "Operation",
                "Ops/s",
                "p50",
                "p90",
                "p99",
                "p99.9",
                "Max",
                "Hit ratio",
                "vs " + results.baseline())
            .alignRight(2, 3, 4, 5, 6, 7, 8, 9);
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
        String ratio = String.format(Locale.ROOT, "%.2fx", results.ratio(r));
        table.row(
            first ? terminal.bold(r.system()) : "",
            op.operation(),
            String.format(Locale.ROOT, "%,.0f", op.opsPerSec()),
            latency(terminal, l.p50()),
            latency(terminal, l.p90()),
            latency(terminal, l.p99()),
            latency(terminal, l.p999()),
            latency(terminal, l.max()),
            !first
                ? ""
                : hitRatio == null ? "-" : String.format(Locale.ROOT, "%.1f%%", hitRatio * 100),
            !first
                ? ""
                : r.system().equals(results.baseline())
                    ? terminal.dim(ratio)
                    : terminal.bold(ratio));
        first = false;
      }
    }
    table.print(out, terminal);
  }

  private static String latency(Terminal terminal, double micros) {
    return terminal.latency(Math.round(micros * 1_000));
  }
}
