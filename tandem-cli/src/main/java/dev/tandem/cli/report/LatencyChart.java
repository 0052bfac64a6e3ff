package dev.tandem.cli.report;

import static dev.tandem.cli.report.Markup.coordinate;
import static dev.tandem.cli.report.Markup.escape;

import dev.tandem.cli.LatencyFormat;
import java.util.List;
import java.util.Locale;

/**
 * An SVG chart of latency by percentile, one line per system: the x axis is spaced in "nines" (0%,
 * 90%, 99%, 99.9%, ...) and ends at the maximum, the y axis is logarithmic, so that a cache hit of
 * a microsecond and a database round trip of milliseconds fit one chart.
 */
final class LatencyChart {

  /**
   * One line of the chart.
   *
   * @param system the system's name, for the legend
   * @param colour the line's colour
   * @param points the percentile curve
   */
  record Series(String system, String colour, List<PercentilePoint> points) {}

  private static final int WIDTH = 760;
  private static final int HEIGHT = 340;
  private static final int LEFT = 72;
  private static final int RIGHT = 160;
  private static final int TOP = 16;
  private static final int BOTTOM = 40;

  private LatencyChart() {}

  /** Returns the chart as an {@code <svg>} element. */
  static String svg(String label, List<Series> series) {
    double maxNines = 1;
    double minMicros = Double.MAX_VALUE;
    double maxMicros = 0;
    for (Series s : series) {
      for (PercentilePoint p : s.points()) {
        if (p.percentile() < 100) {
          maxNines = Math.max(maxNines, nines(p.percentile()));
        }
        if (p.micros() > 0) {
          minMicros = Math.min(minMicros, p.micros());
        }
        maxMicros = Math.max(maxMicros, p.micros());
      }
    }
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"")
        .append(escape(label))
        .append("\">\n");
    if (maxMicros == 0) {
      svg.append("  <text x=\"")
          .append(WIDTH / 2)
          .append("\" y=\"")
          .append(HEIGHT / 2)
          .append("\" text-anchor=\"middle\">no latencies recorded</text>\n");
      return svg.append("</svg>\n").toString();
    }
    Axes axes =
        new Axes(
            Math.floor(maxNines) + 1,
            Math.floor(Math.log10(minMicros)),
            Math.ceil(Math.log10(maxMicros)));
    grid(svg, axes);
    for (Series s : series) {
      line(svg, axes, s);
    }
    legend(svg, series);
    return svg.append("</svg>\n").toString();
  }

  /** The scales: x from 0 to {@code xMax} nines, y from 10^{@code yLow} to 10^{@code yHigh} µs. */
  private record Axes(double xMax, double yLow, double yHigh) {
    Axes {
      if (yHigh <= yLow) {
        yHigh = yLow + 1;
      }
    }

    double x(double percentile) {
      double nines = percentile >= 100 ? xMax : Math.min(nines(percentile), xMax);
      return LEFT + (WIDTH - LEFT - RIGHT) * nines / xMax;
    }

    double y(double micros) {
      double log = Math.log10(Math.max(micros, Math.pow(10, yLow)));
      return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (log - yLow) / (yHigh - yLow));
    }
  }

  private static void grid(StringBuilder svg, Axes axes) {
    double bottom = HEIGHT - BOTTOM;
    for (int k = 0; k <= (int) axes.xMax(); k++) {
      double x = LEFT + (WIDTH - LEFT - RIGHT) * k / axes.xMax();
      String text = k == (int) axes.xMax() ? "max" : percentLabel(k);
      svg.append("  <line class=\"grid\" x1=\"")
          .append(coordinate(x))
          .append("\" y1=\"")
          .append(TOP)
          .append("\" x2=\"")
          .append(coordinate(x))
          .append("\" y2=\"")
          .append(coordinate(bottom))
          .append("\"/>\n");
      svg.append("  <text x=\"")
          .append(coordinate(x))
          .append("\" y=\"")
          .append(coordinate(bottom + 16))
          .append("\" text-anchor=\"middle\">")
          .append(text)
          .append("</text>\n");
    }
    for (int d = (int) axes.yLow(); d <= (int) axes.yHigh(); d++) {
      double y = axes.y(Math.pow(10, d));
      svg.append("  <line class=\"grid\" x1=\"")
          .append(LEFT)
          .append("\" y1=\"")
          .append(coordinate(y))
          .append("\" x2=\"")
          .append(WIDTH - RIGHT)
          .append("\" y2=\"")
          .append(coordinate(y))
          .append("\"/>\n");
      svg.append("  <text x=\"")
          .append(LEFT - 6)
          .append("\" y=\"")
          .append(coordinate(y + 4))
          .append("\" text-anchor=\"end\">")
          .append(escape(decade(d)))
          .append("</text>\n");
    }
    svg.append("  <text x=\"")
        .append((LEFT + WIDTH - RIGHT) / 2)
        .append("\" y=\"")
        .append(HEIGHT - 4)
        .append("\" text-anchor=\"middle\" class=\"axis\">percentile</text>\n");
  }

  private static void line(StringBuilder svg, Axes axes, Series series) {
    if (series.points().isEmpty()) {
      return;
    }
    svg.append("  <polyline fill=\"none\" stroke-width=\"2\" stroke=\"")
        .append(series.colour())
        .append("\" points=\"");
    for (PercentilePoint p : series.points()) {
      svg.append(coordinate(axes.x(p.percentile())))
          .append(',')
          .append(coordinate(axes.y(p.micros())))
          .append(' ');
    }
    svg.setLength(svg.length() - 1);
    svg.append("\"/>\n");
    for (PercentilePoint p : series.points()) {
      svg.append("  <circle r=\"2.5\" fill=\"")
          .append(series.colour())
          .append("\" cx=\"")
          .append(coordinate(axes.x(p.percentile())))
          .append("\" cy=\"")
          .append(coordinate(axes.y(p.micros())))
          .append("\"><title>")
          .append(
              escape(series.system() + " " + percent(p.percentile()) + ": " + latency(p.micros())))
          .append("</title></circle>\n");
    }
  }

  private static void legend(StringBuilder svg, List<Series> series) {
    double x = WIDTH - RIGHT + 16;
    for (int i = 0; i < series.size(); i++) {
      double y = TOP + 10 + i * 20;
      Series s = series.get(i);
      svg.append("  <line x1=\"")
          .append(coordinate(x))
          .append("\" y1=\"")
          .append(coordinate(y))
          .append("\" x2=\"")
          .append(coordinate(x + 20))
          .append("\" y2=\"")
          .append(coordinate(y))
          .append("\" stroke-width=\"3\" stroke=\"")
          .append(s.colour())
          .append("\"/>\n");
      svg.append("  <text x=\"")
          .append(coordinate(x + 26))
          .append("\" y=\"")
          .append(coordinate(y + 4))
          .append("\">")
          .append(escape(s.system()))
          .append("</text>\n");
    }
  }

  /** How many nines a percentile has: 90% is 1, 99% is 2, 99.9% is 3. */
  private static double nines(double percentile) {
    return -Math.log10(1 - percentile / 100);
  }

  /** Returns the label of a tick: 0%, 90%, 99%, 99.9%, ... */
  static String percentLabel(int nines) {
    return switch (nines) {
      case 0 -> "0%";
      case 1 -> "90%";
      case 2 -> "99%";
      default -> "99." + "9".repeat(nines - 2) + "%";
    };
  }

  /**
   * Returns the label of 10^{@code exponent} microseconds: 100 ns, 1 µs, 10 µs, ..., 1 ms, ..., 1
   * s.
   */
  static String decade(int exponent) {
    int nanos = exponent + 3;
    String[] units = {"ns", "µs", "ms", "s"};
    int unit = Math.max(0, Math.min(units.length - 1, Math.floorDiv(nanos, 3)));
    int power = nanos - unit * 3;
    String number = power >= 0 ? "1" + "0".repeat(power) : "0." + "0".repeat(-power - 1) + "1";
    return number + " " + units[unit];
  }

  private static String percent(double percentile) {
    return percentile >= 100 ? "max" : String.format(Locale.ROOT, "p%s", trim(percentile));
  }

  private static String trim(double value) {
    String text = String.format(Locale.ROOT, "%.4f", value).replaceAll("0+$", "");
    return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
  }

  private static String latency(double micros) {
    return LatencyFormat.format(Math.round(micros * 1_000), "µs");
  }
}
