-- Records a committed write whose fence is gone (it was placed on an earlier server process, or
-- never placed: the AVAILABLE policy), or repairs such a key: drops the entry, revokes every lease
-- and raises the watermark; installs nothing, since a newer write published before the server
-- lost its watermark may exist. ARGV: version (20 digits, '' if unknown), metadata ttl (ms), then
-- the near tiers' channel and message (see lib).
announce()
local meta = load_meta(KEYS[2])
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], META_LEASE)
if ARGV[1] ~= '' and compare(ARGV[1], meta.m or ZERO) > 0 then
  redis.call('HSET', KEYS[2], META_MARK, ARGV[1])
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
