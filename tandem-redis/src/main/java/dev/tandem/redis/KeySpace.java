package dev.tandem.redis;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Names the Redis keys of a logical key: the entry {@code <prefix>{<key>}} and its metadata
 * {@code <prefix>{<key>}:m}. The braces are a Redis Cluster hash tag, so both live in one slot
 * and one script can touch them atomically. Inside the tag, {@code %}, <code>{</code> and
 * <code>}</code> are percent-escaped (the tag must not end early), and an empty key is written
 * {@code %00}, which no escaped key can be; so distinct encoded keys get distinct names.
 *
 * @param <K> the key type
 */
final class KeySpace<K> {

  private static final byte[] META_SUFFIX = ":m".getBytes(StandardCharsets.US_ASCII);

  private final String prefix;
  private final Function<? super K, String> encoder;

  KeySpace(String prefix, Function<? super K, String> encoder) {
    this.prefix = prefix;
    this.encoder = encoder;
  }

  /** Returns the entry key of {@code key}. */
  byte[] entry(K key) {
    String encoded = encoder.apply(key);
    if (encoded == null) {
      throw new IllegalArgumentException("the key encoder returned null for key " + key);
    }
    return (prefix + "{" + escape(encoded) + "}").getBytes(StandardCharsets.UTF_8);
  }

  /** Returns the metadata key that belongs to {@code entryKey}. */
  static byte[] meta(byte[] entryKey) {
    byte[] meta = new byte[entryKey.length + META_SUFFIX.length];
    System.arraycopy(entryKey, 0, meta, 0, entryKey.length);
    System.arraycopy(META_SUFFIX, 0, meta, entryKey.length, META_SUFFIX.length);
    return meta;
  }

  /** Returns a SCAN pattern that matches this tier's entry keys and not their metadata. */
  String entryPattern() {
    StringBuilder pattern = new StringBuilder();
    for (char c : prefix.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        pattern.append('\\');
      }
      pattern.append(c);
    }
    return pattern.append("{*}").toString();
  }

  String prefix() {
    return prefix;
  }

  static String escape(String key) {
    if (key.isEmpty()) {
      return "%00";
    }
    StringBuilder escaped = null;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      String replacement = switch (c) {
        case '%' -> "%25";
        case '{' -> "%7B";
        case '}' -> "%7D";
        default -> null;
      };
      if (replacement != null && escaped == null) {
        escaped = new StringBuilder(key.length() + 8).append(key, 0, i);
      }
      if (escaped != null) {
        if (replacement != null) {
          escaped.append(replacement);
        } else {
          escaped.append(c);
        }
      }
    }
    return escaped == null ? key : escaped.toString();
  }
}
