-- Takes a fill lease after a miss. ARGV: token, metadata ttl (ms).
-- Returns the lease (an outstanding one is shared), or 0 if the key is fenced.
local meta = load_meta(KEYS[2])
if meta.f ~= nil or meta.writes > 0 then
  return 0
end
if meta.l ~= nil then
  return tonumber(meta.l)
end
redis.call('HSET', KEYS[2], META_LEASE, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return tonumber(ARGV[1])
