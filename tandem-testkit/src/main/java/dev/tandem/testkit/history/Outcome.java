package dev.tandem.testkit.history;

/** How an operation ended. */
public enum Outcome {
  /** It completed and took effect. */
  OK,
  /** It definitely did not take effect; the checker ignores it. */
  FAIL,
  /**
   * Its outcome is unknown (for example the connection was lost during commit), or it never
   * completed: it may take effect at any time after its invocation, or never.
   */
  INFO;

  /** Returns the completion event type that reports this outcome. */
  public EventType eventType() {
    return switch (this) {
      case OK -> EventType.OK;
      case FAIL -> EventType.FAIL;
      case INFO -> EventType.INFO;
    };
  }
}
