-- Fences a key before this writer's database write. ARGV: token, the writer's previous token on
-- this key ('' if none: a write that never reported back), fence timeout (ms), metadata ttl (ms),
-- then the near tiers' channel and message (see lib): they drop their copies before the write, so
-- that none survives a write whose report never comes.
announce()
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], META_LEASE)
if ARGV[2] ~= '' then
  redis.call('HDEL', KEYS[2], META_WRITE .. ARGV[2])
end
redis.call('HSET', KEYS[2], META_WRITE .. ARGV[1], tostring(now_ms() + tonumber(ARGV[3])))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
