/**
 * What {@code tandem bench} reports: the results of a run ({@link
 * dev.tandem.cli.report.BenchResults}), written as JSON ({@link dev.tandem.cli.report.ResultsJson})
 * and as a self-contained HTML page with inline SVG charts ({@link
 * dev.tandem.cli.report.HtmlReport}).
 */
@NullMarked
package dev.tandem.cli.report;

import org.jspecify.annotations.NullMarked;
