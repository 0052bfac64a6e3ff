package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The keys of a {@link RedisTier}'s entries, read with {@code SCAN MATCH <prefix>{*} COUNT n} on
 * each server (each master of a cluster) one page at a time, entry names decoded back to keys.
 * Metadata and epoch keys never match the pattern. SCAN's guarantees carry over: every entry that
 * exists for the whole walk is listed, one created or deleted meanwhile may or may not be, and one
 * may be listed twice. Not thread-safe: one walk, one thread.
 *
 * @param <K> the key type
 */
final class EntryScan<K> implements Iterator<List<K>> {

  /**
   * Runs one SCAN on the server numbered {@code node} of the tier's link, through the tier's
   * breaker.
   */
  interface Scanner {
    /** Returns the next page of node {@code node}, or null if the link reaches no such node. */
    @Nullable KeyScanCursor<byte[]> scan(int node, ScanCursor cursor, ScanArgs args);
  }

  private final Scanner scanner;
  private final KeySpace<K> keys;
  private final Function<String, ? extends K> decoder;
  private final ScanArgs args;
  private int node;
  private ScanCursor cursor = ScanCursor.INITIAL;
  private @Nullable List<K> next;
  private boolean done;

  EntryScan(
      Scanner scanner, KeySpace<K> keys, Function<String, ? extends K> decoder, int pageSize) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be positive but was " + pageSize);
    }
    this.scanner = scanner;
    this.keys = keys;
    this.decoder = decoder;
    this.args =
        ScanArgs.Builder.matches(keys.entryPattern().getBytes(StandardCharsets.UTF_8))
            .limit(pageSize);
  }

  /** Runs SCAN until a page holds keys or every server was walked. */
  @Override
  public boolean hasNext() {
    while (next == null && !done) {
      KeyScanCursor<byte[]> page = scanner.scan(node, cursor, args);
      if (page == null) {
        done = true;
        break;
      }
      List<K> decoded = new ArrayList<>(page.getKeys().size());
      for (byte[] name : page.getKeys()) {
        K key = decode(name);
        if (key != null) {
          decoded.add(key);
        }
      }
      if (page.isFinished()) {
        node++;
        cursor = ScanCursor.INITIAL;
      } else {
        cursor = page;
      }
      if (!decoded.isEmpty()) {
        next = Collections.unmodifiableList(decoded);
      }
    }
    return next != null;
  }

  @Override
  public List<K> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    List<K> page = requireNonNull(next); // hasNext() returned true: a page is waiting
    next = null;
    return page;
  }

  private @Nullable K decode(byte[] name) {
    if (!keys.isEntryKey(name)) {
      return null;
    }
    String text = keys.encodedKey(new String(name, StandardCharsets.UTF_8));
    if (text == null) {
      return null; // not a name this tier makes
    }
    try {
      return decoder.apply(text);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "the entry "
              + new String(name, StandardCharsets.UTF_8)
              + " names a key whose text '"
              + text
              + "' the key decoder cannot read: set the key decoder to the inverse of"
              + " the key encoder",
          e);
    }
  }

  /** Returns the page of {@code node}'s SCAN, or null if {@code nodes} has no such node. */
  static @Nullable KeyScanCursor<byte[]> scan(
      List<RedisClusterCommands<byte[], byte[]>> nodes,
      int node,
      ScanCursor cursor,
      ScanArgs args) {
    return node < nodes.size() ? nodes.get(node).scan(cursor, args) : null;
  }
}
