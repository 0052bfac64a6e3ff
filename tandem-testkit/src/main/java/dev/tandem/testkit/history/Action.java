package dev.tandem.testkit.history;

import static java.util.Objects.requireNonNull;

/** What an operation does to its key's register: the {@code "f"} field of the history file. */
public enum Action {
  /** Reads the key through the system under test; completes with the value read, null if absent. */
  READ("read"),
  /** Writes a value, unique for the key; the value is on the invocation and the completion. */
  WRITE("write"),
  /** Deletes the key; carries no value. */
  DELETE("delete"),
  /**
   * Replaces the value {@code old} by {@code value} only if the key holds {@code old}: how an
   * {@code update} (read-modify-write) is recorded. It completes {@code fail} if the key was
   * absent.
   */
  CAS("cas"),
  /** Reads the database directly, bypassing any cache; recorded and checked like a read. */
  DB_READ("db-read"),
  /**
   * Writes a value, unique for the key, with plain SQL that bypasses the system under test; the
   * value is on the invocation and the completion, as for {@link #WRITE}.
   */
  OUTSIDE_WRITE("outside-write"),
  /** Deletes the key with plain SQL that bypasses the system under test; carries no value. */
  OUTSIDE_DELETE("outside-delete");

  private final String wireName;

  Action(String wireName) {
    this.wireName = wireName;
  }

  /** Returns the name used in the history file, such as {@code "db-read"}. */
  public String wireName() {
    return wireName;
  }

  /** Returns true for {@link #READ} and {@link #DB_READ}, the actions that only observe. */
  public boolean isRead() {
    return this == READ || this == DB_READ;
  }

  /**
   * Returns true for {@link #OUTSIDE_WRITE} and {@link #OUTSIDE_DELETE}, the writes that bypass the
   * cache.
   */
  public boolean isOutside() {
    return this == OUTSIDE_WRITE || this == OUTSIDE_DELETE;
  }

  /**
   * Returns the action named {@code wireName} in the history file.
   *
   * @throws IllegalArgumentException if no action has that name
   */
  public static Action fromWireName(String wireName) {
    requireNonNull(wireName, "wireName");
    for (Action action : values()) {
      if (action.wireName.equals(wireName)) {
        return action;
      }
    }
    throw new IllegalArgumentException("unknown f \"" + wireName + "\"");
  }
}
