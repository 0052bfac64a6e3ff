-- Holds a key out of the cache until a committed write, not older than the watermark, lifts it.
-- ARGV: floor (20 digits, '' if unknown: a version known committed, raised into the watermark),
-- the writer's own fence token ('' if none), metadata ttl (ms), then the near tiers' channel and
-- message (see lib).
announce()
local meta = load_meta(KEYS[2])
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], META_LEASE)
if ARGV[2] ~= '' then
  redis.call('HDEL', KEYS[2], META_WRITE .. ARGV[2])
end
redis.call('HSET', KEYS[2], META_FENCE, '1')
if ARGV[1] ~= '' and compare(ARGV[1], meta.m or ZERO) > 0 then
  redis.call('HSET', KEYS[2], META_MARK, ARGV[1])
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
