/**
 * The shared cache tier on Redis or Valkey, through Lettuce: {@link dev.tandem.redis.RedisTier}
 * and the {@link dev.tandem.redis.Codec} that turns values into bytes. Every cache mutation is
 * one Lua script, atomic in Redis; the rest of the package is private to the tier.
 */
@NullMarked
package dev.tandem.redis;

import org.jspecify.annotations.NullMarked;
