package dev.tandem.testkit.history;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable history: its events in file order, and the operations they pair into.
 *
 * <p>An operation is an invocation followed by the same process's next completion. An invocation
 * that is never completed becomes an {@link Outcome#INFO} operation that is {@link
 * Operation#isPending() pending}: it may have taken effect. A process must complete an operation
 * before it invokes the next one.
 *
 * <p>Besides pairing, {@link #of} enforces what the file format promises: a completion names the
 * action and key of its invocation; a write carries its value and an {@code ok} cas its new value;
 * a delete carries none, and a read's invocation none; a value on both the invocation and the
 * completion is the same.
 */
public final class History {

  private final List<Event> events;
  private final List<Operation> operations;

  private History(List<Event> events, List<Operation> operations) {
    this.events = events;
    this.operations = operations;
  }

  /**
   * Returns the history of {@code events}, in the order given (normally the order of their times).
   *
   * @throws HistoryFormatException if the events do not pair into valid operations; the message
   *     names the event by its position from 1 (its line in a file)
   */
  public static History of(List<Event> events) {
    List<Event> copy = List.copyOf(events);
    List<@Nullable Event> invocations = new ArrayList<>();
    List<@Nullable Event> completions = new ArrayList<>();
    Map<Integer, Integer> open = new HashMap<>(); // process -> operation index
    for (int line = 1; line <= copy.size(); line++) {
      Event e = copy.get(line - 1);
      try {
        if (e.type() == EventType.INVOKE) {
          Integer pending = open.putIfAbsent(e.process(), invocations.size());
          if (pending != null) {
            throw new HistoryFormatException(
                "process "
                    + e.process()
                    + " invokes again before completing operation #"
                    + pending);
          }
          checkInvocation(e);
          invocations.add(e);
          completions.add(null);
        } else {
          Integer index = open.remove(e.process());
          if (index == null) {
            throw new HistoryFormatException(
                "process " + e.process() + " completes an operation it never invoked");
          }
          Event invocation = requireNonNull(invocations.get(index));
          if (invocation.action() != e.action() || !invocation.key().equals(e.key())) {
            throw new HistoryFormatException(
                "the completion is a "
                    + e.action().wireName()
                    + " of "
                    + e.key()
                    + " but its invocation a "
                    + invocation.action().wireName()
                    + " of "
                    + invocation.key());
          }
          if (e.time() < invocation.time()) {
            throw new HistoryFormatException(
                "the completion at "
                    + e.time()
                    + " precedes its invocation at "
                    + invocation.time());
          }
          completions.set(index, e);
        }
      } catch (HistoryFormatException ex) {
        throw new HistoryFormatException("event " + line + " (" + e + "): " + ex.getMessage());
      }
    }
    List<Operation> operations = new ArrayList<>(invocations.size());
    for (int i = 0; i < invocations.size(); i++) {
      Event invocation = requireNonNull(invocations.get(i));
      Event completion = completions.get(i);
      try {
        operations.add(pair(i, invocation, completion));
      } catch (HistoryFormatException ex) {
        throw new HistoryFormatException(
            "operation #" + i + " (" + invocation + " / " + completion + "): " + ex.getMessage());
      }
    }
    return new History(copy, List.copyOf(operations));
  }

  private static void checkInvocation(Event e) {
    switch (e.action()) {
      case READ, DB_READ, DELETE, OUTSIDE_DELETE -> {
        if (e.value() != null) {
          throw new HistoryFormatException(
              "the invocation of a " + e.action().wireName() + " carries no value");
        }
      }
      case WRITE, OUTSIDE_WRITE -> {
        if (e.value() == null) {
          throw new HistoryFormatException(
              "the invocation of a " + e.action().wireName() + " must carry its value");
        }
      }
      case CAS -> {
        if (e.value() == null) {
          throw new HistoryFormatException("the invocation of a cas must carry its new value");
        }
      }
    }
  }

  private static Operation pair(int index, Event invocation, @Nullable Event completion) {
    Outcome outcome = completion == null ? Outcome.INFO : completion.type().outcome();
    long completeTime = completion == null ? Long.MAX_VALUE : completion.time();
    Long value = invocation.value();
    Long old = invocation.old();
    switch (invocation.action()) {
      case READ, DB_READ ->
          value = completion != null && outcome == Outcome.OK ? completion.value() : null;
      case DELETE, OUTSIDE_DELETE -> {
        if (completion != null && completion.value() != null) {
          throw new HistoryFormatException("a delete carries no value");
        }
      }
      case WRITE, OUTSIDE_WRITE ->
          value = agree("value", value, completion == null ? null : completion.value());
      case CAS -> {
        value = agree("new value", value, completion == null ? null : completion.value());
        if (completion != null && completion.old() != null) {
          old = completion.old();
        }
      }
    }
    return new Operation(
        index,
        invocation.process(),
        invocation.action(),
        invocation.key(),
        outcome,
        old,
        value,
        invocation.time(),
        completeTime);
  }

  private static @Nullable Long agree(
      String what, @Nullable Long invoked, @Nullable Long completed) {
    if (invoked != null && completed != null && !invoked.equals(completed)) {
      throw new HistoryFormatException(
          "the "
              + what
              + " is "
              + invoked
              + " on the invocation but "
              + completed
              + " on the completion");
    }
    return invoked != null ? invoked : completed;
  }

  /**
   * Reads a history file in the JSON Lines format; blank lines are skipped.
   *
   * @throws UncheckedIOException if the file cannot be read
   * @throws HistoryFormatException if a line is not a valid event (the message names the line), or
   *     the events do not pair into valid operations
   */
  public static History read(Path file) {
    requireNonNull(file, "file");
    List<Event> events = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNumber = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        try {
          events.add(JsonLines.decode(line));
        } catch (HistoryFormatException e) {
          throw new HistoryFormatException(file + " line " + lineNumber + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read history " + file, e);
    }
    try {
      return of(events);
    } catch (HistoryFormatException e) {
      throw new HistoryFormatException(file + ": " + e.getMessage());
    }
  }

  /**
   * Writes this history to {@code file} in the JSON Lines format, one event per line, replacing the
   * file if it exists.
   *
   * @throws UncheckedIOException if the file cannot be written
   */
  public void write(Path file) {
    requireNonNull(file, "file");
    try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Event e : events) {
        writer.write(JsonLines.encode(e));
        writer.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write history " + file, e);
    }
  }

  /** Returns the events in the order they were recorded or read. */
  public List<Event> events() {
    return events;
  }

  /**
   * Returns the operations in the order of their invocations; {@link Operation#index()} is the
   * position.
   */
  public List<Operation> operations() {
    return operations;
  }

  /** Returns the number of operations. */
  public int size() {
    return operations.size();
  }

  /** Returns true if {@code o} is a history with equal events. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof History other && events.equals(other.events);
  }

  @Override
  public int hashCode() {
    return Objects.hash(events);
  }

  /** Returns a summary such as {@code History[2000 events, 1000 operations]}. */
  @Override
  public String toString() {
    return "History[" + events.size() + " events, " + operations.size() + " operations]";
  }
}
