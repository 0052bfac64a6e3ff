/**
 * The shared cache tier on Redis or Valkey, through Lettuce: {@link dev.tandem.redis.RedisTier},
 * the near cache {@link dev.tandem.redis.NearTier} (a local copy over it, bounded staleness), and
 * the {@link dev.tandem.redis.Codec} that turns values into bytes ({@link
 * dev.tandem.redis.JsonCodec} for JSON; {@link dev.tandem.redis.CompressedCodec} and {@link
 * dev.tandem.redis.EncryptedCodec} wrap any codec). Every cache mutation is one Lua script, atomic
 * in Redis; the rest of the package is private to the tiers.
 */
@NullMarked
package dev.tandem.redis;

import org.jspecify.annotations.NullMarked;
