package dev.tandem.cli.report;

import java.util.List;
import java.util.Locale;

/** Escaping and number formatting shared by the HTML page and its SVG charts. */
final class Markup {

  /** Colours of the systems, in the order they ran; Tandem runs first and gets the first. */
  private static final List<String> PALETTE =
      List.of(
          "#1f6fb4", "#d9480f", "#2b8a3e", "#7048e8", "#c2255c", "#5c7c8a", "#e67700", "#0c8599");

  private Markup() {}

  /** Returns {@code text} safe inside HTML or SVG text and attribute values. */
  static String escape(String text) {
    StringBuilder sb = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Returns the colour of the {@code index}th system. */
  static String colour(int index) {
    return PALETTE.get(Math.floorMod(index, PALETTE.size()));
  }

  /** Returns a coordinate with one decimal. */
  static String coordinate(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  /** Returns a throughput such as "12,345 ops/s". */
  static String throughput(double opsPerSec) {
    return String.format(Locale.ROOT, "%,.0f ops/s", opsPerSec);
  }

  /** Returns a ratio such as "1.85×". */
  static String ratio(double ratio) {
    return String.format(Locale.ROOT, ratio >= 10 ? "%.1f×" : "%.2f×", ratio);
  }
}
