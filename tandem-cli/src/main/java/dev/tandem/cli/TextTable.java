package dev.tandem.cli;

import static java.util.Objects.requireNonNull;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A table printed with aligned columns under an underlined header:
 *
 * <pre>
 *   Source           Latency   Speed-up
 *   ───────────────  ────────  ────────
 *   database (miss)  412 µs        1.0x
 *   cache (hit)      3.10 µs        133x
 * </pre>
 *
 * Cells may carry ANSI styling; widths are measured without it. Build one per table; not
 * thread-safe.
 */
public final class TextTable {

  private static final String INDENT = "  ";
  private static final String GAP = "  ";

  private final List<String> headers;
  private final boolean showHeader;
  private final boolean[] rightAligned;
  private final List<List<String>> rows = new ArrayList<>();

  private TextTable(List<String> headers, boolean showHeader) {
    this.headers = headers;
    this.showHeader = showHeader;
    this.rightAligned = new boolean[headers.size()];
  }

  /**
   * Starts a table with these column headers.
   *
   * @throws IllegalArgumentException if there are no headers
   */
  public static TextTable of(String... headers) {
    if (headers.length == 0) {
      throw new IllegalArgumentException("a table needs at least one column");
    }
    return new TextTable(List.of(headers), true);
  }

  /**
   * Starts a table of {@code columns} columns without a header, for label-value lists.
   *
   * @throws IllegalArgumentException if columns is not positive
   */
  public static TextTable withoutHeader(int columns) {
    if (columns < 1) {
      throw new IllegalArgumentException(
          "a table needs at least one column but was given " + columns);
    }
    return new TextTable(Collections.nCopies(columns, ""), false);
  }

  /**
   * Aligns the given columns (counted from 0) to the right, as numbers are.
   *
   * @throws IndexOutOfBoundsException if a column does not exist
   */
  public TextTable alignRight(int... columns) {
    for (int column : columns) {
      rightAligned[Objects.checkIndex(column, headers.size())] = true;
    }
    return this;
  }

  /**
   * Adds a row; each cell is printed with {@link String#valueOf(Object)}.
   *
   * @throws IllegalArgumentException if the row does not have one cell per column
   */
  public TextTable row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(
          "the table has "
              + headers.size()
              + " columns but the row has "
              + cells.length
              + " cells: "
              + Arrays.toString(cells));
    }
    List<String> row = new ArrayList<>(cells.length);
    for (Object cell : cells) {
      row.add(String.valueOf(cell));
    }
    rows.add(row);
    return this;
  }

  /** Prints the table, the header in bold and underlined with the terminal's rule. */
  public void print(PrintWriter out, Terminal terminal) {
    requireNonNull(out, "out");
    requireNonNull(terminal, "terminal");
    int[] widths = new int[headers.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = Terminal.width(headers.get(c));
      for (List<String> row : rows) {
        widths[c] = Math.max(widths[c], Terminal.width(row.get(c)));
      }
    }
    List<String> header = new ArrayList<>();
    List<String> rules = new ArrayList<>();
    for (int c = 0; c < widths.length; c++) {
      header.add(terminal.bold(headers.get(c)));
      rules.add(terminal.dim(terminal.rule(widths[c])));
    }
    if (showHeader) {
      printLine(out, header, widths);
      printLine(out, rules, widths);
    }
    for (List<String> row : rows) {
      printLine(out, row, widths);
    }
  }

  private void printLine(PrintWriter out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder(INDENT);
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      String padding = " ".repeat(widths[c] - Terminal.width(cell));
      if (c > 0) {
        line.append(GAP);
      }
      if (rightAligned[c]) {
        line.append(padding).append(cell);
      } else if (c < cells.size() - 1) {
        line.append(cell).append(padding);
      } else {
        line.append(cell); // no trailing blanks
      }
    }
    out.println(line);
  }
}
