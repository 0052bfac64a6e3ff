package dev.tandem.testkit.history;

import org.jspecify.annotations.Nullable;

/**
 * An operation in flight, returned by {@link HistoryRecorder#invoke}: complete it exactly once,
 * with {@code ok}, {@link #fail()} or {@link #info()}, right after the operation returns.
 *
 * <p>Which {@code ok} to call depends on the action: {@link #ok(Long)} for a read or db-read (the
 * value read, null if absent); {@link #ok()} for a write, a delete, or a cas invoked with its old
 * value; {@link #ok(long, long)} for a cas whose old value became known while it ran.
 */
public final class Invocation {

  private final HistoryRecorder recorder;
  final int process;
  final Action action;
  final String key;
  final @Nullable Long old;
  final @Nullable Long value;

  Invocation(
      HistoryRecorder recorder,
      int process,
      Action action,
      String key,
      @Nullable Long old,
      @Nullable Long value) {
    this.recorder = recorder;
    this.process = process;
    this.action = action;
    this.key = key;
    this.old = old;
    this.value = value;
  }

  /**
   * Records that the write, delete or cas took effect.
   *
   * @throws IllegalStateException if this is a read, a cas invoked without its old value, or was
   *     already completed
   */
  public void ok() {
    if (action.isRead()) {
      throw new IllegalStateException("a " + action.wireName() + " completes with ok(value)");
    }
    if (action == Action.CAS && old == null) {
      throw new IllegalStateException(
          "a cas invoked without its old value completes with ok(old, value)");
    }
    recorder.complete(this, EventType.OK, old, value);
  }

  /**
   * Records that the read or db-read returned {@code value}, null meaning absent.
   *
   * @throws IllegalStateException if this is not a read or db-read, or was already completed
   */
  public void ok(@Nullable Long value) {
    if (!action.isRead()) {
      throw new IllegalStateException(
          "a "
              + action.wireName()
              + " completes with ok()"
              + (action == Action.CAS ? " or ok(old, value)" : ""));
    }
    recorder.complete(this, EventType.OK, null, value);
  }

  /**
   * Records that the cas found {@code old} and replaced it with {@code value}.
   *
   * @throws IllegalStateException if this is not a cas, or was already completed
   * @throws IllegalArgumentException if {@code value} or a known old value differs from the
   *     invocation's
   */
  public void ok(long old, long value) {
    if (action != Action.CAS) {
      throw new IllegalStateException(
          "only a cas completes with ok(old, value), not a " + action.wireName());
    }
    if (this.value != null && this.value != value) {
      throw new IllegalArgumentException(
          "the cas was invoked to write " + this.value + ", not " + value);
    }
    if (this.old != null && this.old != old) {
      throw new IllegalArgumentException(
          "the cas was invoked expecting " + this.old + ", not " + old);
    }
    recorder.complete(this, EventType.OK, old, value);
  }

  /**
   * Records that the operation definitely did not take effect (including a cas that found the key
   * absent).
   *
   * @throws IllegalStateException if it was already completed
   */
  public void fail() {
    recorder.complete(this, EventType.FAIL, old, action.isRead() ? null : value);
  }

  /**
   * Records that the outcome is unknown: the operation may take effect at any later time, or never.
   *
   * @throws IllegalStateException if it was already completed
   */
  public void info() {
    recorder.complete(this, EventType.INFO, old, action.isRead() ? null : value);
  }

  /** Returns the operation, such as {@code p3 write k7 42}. */
  @Override
  public String toString() {
    return "p" + process + " " + action.wireName() + " " + key + (value == null ? "" : " " + value);
  }
}
