package dev.tandem.cli.report;

import static dev.tandem.cli.report.Markup.coordinate;
import static dev.tandem.cli.report.Markup.escape;

import java.util.List;

/** An SVG bar chart of throughput, one horizontal bar per system, labelled with its ratio. */
final class ThroughputChart {

  /**
   * One bar.
   *
   * @param system the system's name
   * @param colour the bar's colour
   * @param opsPerSec the throughput
   * @param ratio the throughput relative to the baseline
   */
  record Bar(String system, String colour, double opsPerSec, double ratio) {}

  private static final int WIDTH = 760;
  private static final int LABEL_WIDTH = 160;
  private static final int VALUE_WIDTH = 190;
  private static final int ROW = 30;
  private static final int TOP = 10;

  private ThroughputChart() {}

  /** Returns the chart as an {@code <svg>} element. */
  static String svg(List<Bar> bars, String baseline) {
    int height = TOP * 2 + ROW * Math.max(1, bars.size());
    double max = bars.stream().mapToDouble(Bar::opsPerSec).max().orElse(0);
    double plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(height)
        .append("\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(height)
        .append("\" role=\"img\" aria-label=\"throughput per system\">\n");
    for (int i = 0; i < bars.size(); i++) {
      Bar bar = bars.get(i);
      double y = TOP + i * ROW;
      double length = max > 0 ? plot * bar.opsPerSec() / max : 0;
      svg.append("  <text x=\"")
          .append(LABEL_WIDTH - 8)
          .append("\" y=\"")
          .append(coordinate(y + ROW * 0.62))
          .append("\" text-anchor=\"end\">")
          .append(escape(bar.system()))
          .append("</text>\n");
      svg.append("  <rect x=\"")
          .append(LABEL_WIDTH)
          .append("\" y=\"")
          .append(coordinate(y + 4))
          .append("\" width=\"")
          .append(coordinate(Math.max(length, 1)))
          .append("\" height=\"")
          .append(ROW - 8)
          .append("\" fill=\"")
          .append(bar.colour())
          .append("\"><title>")
          .append(escape(bar.system() + ": " + Markup.throughput(bar.opsPerSec())))
          .append("</title></rect>\n");
      String label =
          Markup.throughput(bar.opsPerSec())
              + "  "
              + Markup.ratio(bar.ratio())
              + (bar.system().equals(baseline) ? " (baseline)" : "");
      svg.append("  <text x=\"")
          .append(coordinate(LABEL_WIDTH + Math.max(length, 1) + 6))
          .append("\" y=\"")
          .append(coordinate(y + ROW * 0.62))
          .append("\" class=\"value\">")
          .append(escape(label))
          .append("</text>\n");
    }
    return svg.append("</svg>\n").toString();
  }
}
