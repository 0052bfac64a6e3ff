package dev.tandem.cli.torture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.testkit.torture.TortureReport;
import java.util.List;
import java.util.Map;

/**
 * What a node of {@code tandem torture --processes} ({@link TortureNodeCommand}) reports to the
 * parent ({@link NodeProcesses}) when it is done: the last line it prints, one JSON object {@code
 * {"done":{...}}} holding this record's components by name.
 *
 * @param invalidations the invalidations its clients made
 * @param absentUpdates its updates that found no row (failed, not applied)
 * @param surprises its unexpected exceptions
 * @param surpriseExamples some of them, one line each
 * @param ranNanos how long its clients ran, in nanoseconds
 * @param clientsStuck whether clients were still running after the run (a liveness failure)
 */
record NodeDone(
    long invalidations,
    long absentUpdates,
    long surprises,
    List<String> surpriseExamples,
    long ranNanos,
    boolean clientsStuck) {

  /**
   * The name of the line's only field: {@link NodeProcess#await} waits for a line that starts with
   * it.
   */
  static final String WORD = "done";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Copies the list. */
  NodeDone {
    surpriseExamples = List.copyOf(surpriseExamples);
  }

  /** Returns what {@code report}, a node's part of the run, says when the node is done. */
  static NodeDone of(TortureReport report) {
    return new NodeDone(
        report.invalidations(),
        report.absentUpdates(),
        report.surprises(),
        report.surpriseExamples().stream().map(e -> e.replace('\n', ' ')).toList(),
        report.ran().toNanos(),
        !report.clientsStopped());
  }

  /** Returns the line a node prints: one JSON object, {@code {"done":{...}}}. */
  String toLine() {
    try {
      return MAPPER.writeValueAsString(Map.of(WORD, this));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the done line: " + e.getMessage(), e);
    }
  }

  /**
   * Reads the line {@code node} printed last.
   *
   * @throws CommandFailedException if it is not a done line
   */
  static NodeDone parse(Object node, String line) {
    try {
      JsonNode done = MAPPER.readTree(line).get(WORD);
      if (done == null) {
        throw new CommandFailedException(node + " ended with '" + line + "', not a done line");
      }
      return MAPPER.treeToValue(done, NodeDone.class);
    } catch (JsonProcessingException e) {
      throw new CommandFailedException(
          node + " ended with a done line that cannot be read: " + e.getMessage(), e);
    }
  }
}
