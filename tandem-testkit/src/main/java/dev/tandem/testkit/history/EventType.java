package dev.tandem.testkit.history;

import static java.util.Objects.requireNonNull;

/** The {@code "type"} field of the history file: an invocation or one of the three completions. */
public enum EventType {
  /** The operation began. */
  INVOKE("invoke"),
  /** The operation completed and took effect. */
  OK("ok"),
  /** The operation completed and definitely did not take effect. */
  FAIL("fail"),
  /**
   * The operation completed with an unknown outcome: it may take effect at any later time, or
   * never.
   */
  INFO("info");

  private final String wireName;

  EventType(String wireName) {
    this.wireName = wireName;
  }

  /** Returns the name used in the history file, such as {@code "invoke"}. */
  public String wireName() {
    return wireName;
  }

  /**
   * Returns the outcome this completion reports.
   *
   * @throws IllegalStateException if this is {@link #INVOKE}
   */
  public Outcome outcome() {
    return switch (this) {
      case OK -> Outcome.OK;
      case FAIL -> Outcome.FAIL;
      case INFO -> Outcome.INFO;
      case INVOKE -> throw new IllegalStateException("an invocation has no outcome");
    };
  }

  /**
   * Returns the event type named {@code wireName} in the history file.
   *
   * @throws IllegalArgumentException if no event type has that name
   */
  public static EventType fromWireName(String wireName) {
    requireNonNull(wireName, "wireName");
    for (EventType type : values()) {
      if (type.wireName.equals(wireName)) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown type \"" + wireName + "\"");
  }
}
