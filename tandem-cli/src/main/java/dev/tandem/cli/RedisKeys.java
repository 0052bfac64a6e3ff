package dev.tandem.cli;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;

/** Deletes the keys of one run from a Redis the run shares with others. */
public final class RedisKeys {

  private RedisKeys() {}

  /**
   * Deletes (UNLINK) every key that matches {@code pattern} (a SCAN {@code MATCH} pattern), a page
   * of 1,000 at a time.
   *
   * @throws io.lettuce.core.RedisException if Redis fails or does not answer
   */
  public static void unlinkMatching(RedisCommands<String, String> redis, String pattern) {
    ScanArgs args = ScanArgs.Builder.matches(pattern).limit(1000);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis.scan(cursor, args);
      if (!page.getKeys().isEmpty()) {
        redis.unlink(page.getKeys().toArray(new String[0]));
      }
      cursor = page;
    } while (!cursor.isFinished());
  }
}
