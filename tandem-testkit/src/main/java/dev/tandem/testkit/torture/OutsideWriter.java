package dev.tandem.testkit.torture;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Changes rows of a torture run's table without going through the system under test: plain SQL, as
 * a migration, an admin or another service would. {@link Torture.Builder#outsideWriters} runs
 * clients that call it and records each change as an {@code outside-write} or {@code
 * outside-delete}.
 */
@FunctionalInterface
public interface OutsideWriter {

  /**
   * One change of a key.
   *
   * @param key the key
   * @param value the value to store (inserted or updated), or null to delete the row
   */
  record Change(String key, @Nullable Long value) {}

  /**
   * Applies {@code changes} in one database transaction (several keys, distinct) or in one
   * statement (a single change), and returns once it committed.
   *
   * @throws Exception if it failed; the changes may or may not have committed
   */
  void apply(List<Change> changes) throws Exception;
}
