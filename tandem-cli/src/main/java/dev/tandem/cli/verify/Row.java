package dev.tandem.cli.verify;

import java.util.Arrays;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * The value columns of one row, as {@code tandem verify} caches and compares them: equal when every
 * column is equal ({@link Arrays#deepEquals}, so binary columns compare by content).
 */
final class Row {

  private static final int SHOWN = 60;

  private final @Nullable Object[] values;

  Row(@Nullable Object[] values) {
    this.values = values.clone();
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof Row row && Arrays.deepEquals(values, row.values);
  }

  /**
   * Returns whether {@code other} has as many values, each with the same text ({@link
   * String#valueOf}; binary values by content): for values a codec stored as text.
   */
  boolean sameText(Row other) {
    if (values.length != other.values.length) {
      return false;
    }
    for (int i = 0; i < values.length; i++) {
      if (!text(values[i]).equals(text(other.values[i]))) {
        return false;
      }
    }
    return true;
  }

  private static String text(@Nullable Object value) {
    return value instanceof byte[] bytes ? Arrays.toString(bytes) : String.valueOf(value);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(values);
  }

  /** Returns the values separated by commas, cut at {@value #SHOWN} characters. */
  @Override
  public String toString() {
    StringJoiner joiner = new StringJoiner(", ");
    for (Object value : values) {
      joiner.add(
          value instanceof byte[] bytes ? "<" + bytes.length + " bytes>" : String.valueOf(value));
    }
    String text = joiner.toString();
    return text.length() <= SHOWN ? text : text.substring(0, SHOWN - 3) + "...";
  }
}
