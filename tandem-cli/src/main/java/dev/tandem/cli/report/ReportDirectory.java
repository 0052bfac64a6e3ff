package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The folder of a {@code --report DIR}: {@code report.html}, {@code results.json}, and the
 * HdrHistogram logs that the bench writes there while it runs ({@link #histogramLog}).
 */
public final class ReportDirectory {

  /** The name of the HTML report in the folder. */
  public static final String HTML = "report.html";

  /** The name of the JSON results in the folder. */
  public static final String JSON = "results.json";

  private final Path directory;

  private ReportDirectory(Path directory) {
    this.directory = directory;
  }

  /**
   * Creates the folder (and its parents) if needed.
   *
   * @throws UncheckedIOException if it cannot be created
   */
  public static ReportDirectory create(Path directory) {
    requireNonNull(directory, "directory");
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the report folder " + directory + ": " + e.getMessage(), e);
    }
    return new ReportDirectory(directory);
  }

  /** Returns the folder. */
  public Path directory() {
    return directory;
  }

  /** Returns the path of the HdrHistogram log of {@code system}: {@code <system>.hlog}. */
  public Path histogramLog(String system) {
    return directory.resolve(system + ".hlog");
  }

  /**
   * Writes {@code report.html} and {@code results.json}.
   *
   * @return the path of the HTML report
   * @throws UncheckedIOException if a file cannot be written
   */
  public Path write(BenchResults results) {
    requireNonNull(results, "results");
    writeFile(directory.resolve(JSON), ResultsJson.of(results));
    Path html = directory.resolve(HTML);
    writeFile(html, HtmlReport.of(results));
    return html;
  }

  /**
   * Writes {@code text} to {@code file} in UTF-8, replacing it.
   *
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void writeFile(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
