package dev.tandem.redis;

import java.nio.charset.StandardCharsets;

/**
 * The field names of an entry's metadata hash, in one place for Java and Lua: {@link LuaScript}
 * puts {@link #luaConstants()} in front of every script that uses them, so the scripts name the
 * fields ({@code META_LEASE}, ...) and never spell them.
 */
final class MetaField {

  /** The lease of the fill in progress (its token). */
  static final String LEASE = "l";

  /** Present while a fence from {@code fence()} holds the key. */
  static final String FENCE = "f";

  /** The version watermark: the newest version this tier has seen for the key. */
  static final String MARK = "m";

  /** Prefix of a write fence; the writer's token follows, the value is its deadline (epoch ms). */
  static final String WRITE_PREFIX = "w:";

  private MetaField() {}

  /** Returns {@code name} in US-ASCII, as a hash field. */
  static byte[] bytes(String name) {
    return name.getBytes(StandardCharsets.US_ASCII);
  }

  /** Returns Lua declarations of the field names, one local per field. */
  static String luaConstants() {
    return "local META_LEASE = '"
        + LEASE
        + "'\n"
        + "local META_FENCE = '"
        + FENCE
        + "'\n"
        + "local META_MARK = '"
        + MARK
        + "'\n"
        + "local META_WRITE = '"
        + WRITE_PREFIX
        + "'\n";
  }
}
