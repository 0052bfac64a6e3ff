package dev.tandem;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The base of Tandem's unchecked exceptions. Each names the keys it concerns and carries the cause
 * reported by the database or cache tier.
 */
public abstract class TandemException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<?> keys;

  TandemException(String message, List<?> keys, @Nullable Throwable cause) {
    super(message, cause);
    this.keys = List.copyOf(keys);
  }

  /** Returns the keys of the failed operation, in the order the operation named them. */
  public List<?> keys() {
    return keys;
  }

  static String describe(List<?> keys) {
    if (keys.isEmpty()) {
      return "every key";
    }
    try {
      return keys.size() == 1 ? "key " + keys.get(0) : keys.size() + " keys " + abbreviate(keys);
    } catch (
        RuntimeException
            e) { // a key whose toString throws must not stop the failure being reported
      return keys.size() == 1 ? "a key (its toString threw " + e + ")" : keys.size() + " keys";
    }
  }

  private static String abbreviate(List<?> keys) {
    return keys.size() <= 5
        ? keys.toString()
        : keys.subList(0, 5).toString().replace("]", ", ...]");
  }
}
