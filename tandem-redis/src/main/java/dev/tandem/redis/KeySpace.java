package dev.tandem.redis;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Names the Redis keys of a logical key: the entry {@code <prefix>{<key>}} and its metadata {@code
 * <prefix>{<key>}:m}. The braces are a Redis Cluster hash tag, so both live in one slot and one
 * script can touch them atomically. Inside the tag, {@code %}, <code>{</code> and <code>}</code>
 * are percent-escaped (the tag must not end early), and an empty key is written {@code %00}, which
 * no escaped key can be; so distinct encoded keys get distinct names.
 *
 * <p>Besides, per server (per master of a cluster) an epoch key <code>
 * &lt;prefix&gt;{%e&lt;n&gt;}:epoch</code> and its flush lock <code>
 * &lt;prefix&gt;{%e&lt;n&gt;}:lock</code>, where {@code n} picks a slot the server owns; no escaped
 * key starts with {@code %e}, so they never collide with an entry. And one key {@code
 * <prefix>store} holds the identity of the store the prefix caches.
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
    return (prefix + "{" + escape(text(key)) + "}").getBytes(StandardCharsets.UTF_8);
  }

  /** Returns the text of {@code key} in its Redis names (the encoder's, before escaping). */
  String text(K key) {
    String encoded = encoder.apply(key);
    if (encoded == null) {
      throw new IllegalArgumentException("the key encoder returned null for key " + key);
    }
    return encoded;
  }

  /**
   * Returns the text that {@link #entry} was made from, or null if {@code entryKey} is not an entry
   * key of this prefix (or not one that {@link #entry} makes).
   */
  @Nullable String encodedKey(String entryKey) {
    String head = prefix + "{";
    if (!entryKey.startsWith(head)
        || !entryKey.endsWith("}")
        || entryKey.length() == head.length() + 1) {
      return null; // an empty key is written %00, never as nothing
    }
    String escaped = entryKey.substring(head.length(), entryKey.length() - 1);
    if (escaped.equals("%00")) {
      return "";
    }
    StringBuilder text = null;
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c == '{' || c == '}') {
        return null;
      }
      if (c != '%') {
        if (text != null) {
          text.append(c);
        }
        continue;
      }
      String code = escaped.length() >= i + 3 ? escaped.substring(i + 1, i + 3) : "";
      char decoded =
          switch (code) {
            case "25" -> '%';
            case "7B" -> '{';
            case "7D" -> '}';
            default -> 0;
          };
      if (decoded == 0) {
        return null; // %00 only stands alone, and %e starts the epoch keys
      }
      if (text == null) {
        text = new StringBuilder(escaped.length()).append(escaped, 0, i);
      }
      text.append(decoded);
      i += 2;
    }
    return text == null ? escaped : text.toString();
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
    return escapedPrefix() + "{*}";
  }

  private String escapedPrefix() {
    StringBuilder pattern = new StringBuilder();
    for (char c : prefix.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        pattern.append('\\');
      }
      pattern.append(c);
    }
    return pattern.toString();
  }

  /**
   * Returns a SCAN pattern that matches every entry and metadata key of this tier, and its epoch
   * keys.
   */
  String dataPattern() {
    return escapedPrefix() + "{*";
  }

  /**
   * Returns whether {@code redisKey}, matched by {@link #dataPattern()}, is an epoch or lock key.
   */
  boolean isEpochKey(byte[] redisKey) {
    byte[] head = (prefix + "{%e").getBytes(StandardCharsets.UTF_8);
    if (redisKey.length < head.length) {
      return false;
    }
    for (int i = 0; i < head.length; i++) {
      if (redisKey[i] != head[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns whether {@code redisKey} is an entry key of this tier (not metadata, not an epoch key).
   */
  boolean isEntryKey(byte[] redisKey) {
    byte[] head = (prefix + "{").getBytes(StandardCharsets.UTF_8);
    if (redisKey.length <= head.length
        || redisKey[redisKey.length - 1] != '}'
        || isEpochKey(redisKey)) {
      return false;
    }
    for (int i = 0; i < head.length; i++) {
      if (redisKey[i] != head[i]) {
        return false;
      }
    }
    return true;
  }

  /** Returns the hash tag of the epoch keys numbered {@code n}, e.g. {@code %e0}. */
  static String epochTag(int n) {
    return "%e" + n;
  }

  /** Returns the epoch key numbered {@code n}. */
  byte[] epoch(int n) {
    return (prefix + "{" + epochTag(n) + "}:epoch").getBytes(StandardCharsets.UTF_8);
  }

  /** Returns the flush lock that goes with the epoch key numbered {@code n}. */
  byte[] flushLock(int n) {
    return (prefix + "{" + epochTag(n) + "}:lock").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Returns the key that names the store this prefix caches: {@code <prefix>store}. It has no hash
   * tag, so no entry, metadata or epoch key (each has a brace after the prefix) is named alike, and
   * neither invalidating nor clearing the prefix's keys touches it.
   */
  byte[] storeIdentity() {
    return (prefix + "store").getBytes(StandardCharsets.UTF_8);
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
      String replacement =
          switch (c) {
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
