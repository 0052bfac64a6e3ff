package dev.tandem.cli.report;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Writes indented JSON, one call per token; commas and indentation are its business. Numbers
 * that are not finite are written as {@code null}. Not thread-safe.
 */
final class JsonWriter {

  private final StringBuilder out = new StringBuilder();
  /** Per open container: whether it has no element yet. */
  private final Deque<Boolean> empty = new ArrayDeque<>();
  private boolean afterName;

  JsonWriter beginObject() {
    return open('{');
  }

  JsonWriter endObject() {
    return close('}');
  }

  JsonWriter beginArray() {
    return open('[');
  }

  JsonWriter endArray() {
    return close(']');
  }

  /** Writes the name of the next member of the current object. */
  JsonWriter name(String name) {
    element();
    string(name);
    out.append(": ");
    afterName = true;
    return this;
  }

  JsonWriter value(@Nullable String value) {
    element();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    return this;
  }

  JsonWriter value(long value) {
    element();
    out.append(value);
    return this;
  }

  JsonWriter value(boolean value) {
    element();
    out.append(value);
    return this;
  }

  /** Writes a number with at most three decimals, or {@code null} if it is not finite. */
  JsonWriter value(double value) {
    element();
    if (!Double.isFinite(value)) {
      out.append("null");
    } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      out.append((long) value);
    } else {
      String text = String.format(Locale.ROOT, "%.3f", value);
      text = text.replaceAll("0+$", "");
      out.append(text.endsWith(".") ? text.substring(0, text.length() - 1) : text);
    }
    return this;
  }

  JsonWriter nullValue() {
    element();
    out.append("null");
    return this;
  }

  /**
   * Returns the document.
   *
   * @throws IllegalStateException if a container is still open
   */
  String toJson() {
    if (!empty.isEmpty()) {
      throw new IllegalStateException(empty.size() + " containers are still open");
    }
    return out + "\n";
  }

  private JsonWriter open(char bracket) {
    element();
    out.append(bracket);
    empty.push(true);
    return this;
  }

  private JsonWriter close(char bracket) {
    if (empty.isEmpty()) {
      throw new IllegalStateException("nothing to close with " + bracket);
    }
    boolean wasEmpty = empty.pop();
    if (!wasEmpty) {
      newline();
    }
    out.append(bracket);
    return this;
  }

  /** Starts an element: after a name nothing, else a comma if needed and a new line. */
  private void element() {
    if (afterName) {
      afterName = false;
      return;
    }
    if (!empty.isEmpty()) {
      if (!empty.pop()) {
        out.append(',');
      }
      empty.push(false);
      newline();
    }
  }

  private void newline() {
    out.append('\n').append("  ".repeat(empty.size()));
  }

  private void string(String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
