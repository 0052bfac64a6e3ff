-- Records a committed write. ARGV: version (20 digits), entry payload, the writer's own fence
-- token ('' if none), entry ttl (ms, 0 = none), metadata ttl (ms), then the near tiers' channel and
-- message (see lib).
-- Returns 1 if installed (or an equal entry is there), 2 if held out by another writer's fence,
-- 0 if older than a version this tier knows.
announce()
local meta = load_meta(KEYS[2])
redis.call('HDEL', KEYS[2], META_LEASE) -- revokes every outstanding lease
if ARGV[3] ~= '' then
  if redis.call('HDEL', KEYS[2], META_WRITE .. ARGV[3]) == 1 then
    meta.writes = meta.writes - 1
  end
end
local current = entry_version(KEYS[1])
if compare(ARGV[1], watermark(meta, current)) < 0 then
  keep_meta(KEYS[2], ARGV[5])
  return 0
end
redis.call('HDEL', KEYS[2], META_FENCE)
redis.call('HSET', KEYS[2], META_MARK, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
if meta.writes > 0 then
  redis.call('DEL', KEYS[1]) -- another node's write is in flight: nobody serves this key until it reports
  return 2
end
if current ~= nil and compare(current, ARGV[1]) >= 0 then
  return 1
end
install(KEYS[1], ARGV[2], ARGV[4])
return 1
