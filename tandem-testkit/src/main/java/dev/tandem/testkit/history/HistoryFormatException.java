package dev.tandem.testkit.history;

/**
 * Thrown when events do not form a valid history: a line that is not a valid event, a completion
 * without an invocation, a process invoking twice without completing, or a value where the format
 * forbids one. The message names the line or the event.
 */
public final class HistoryFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the offending line or event. */
  public HistoryFormatException(String message) {
    super(message);
  }
}
