-- Installs a loaded entry under a lease. ARGV: lease, version (20 digits), entry payload,
-- entry ttl (ms, 0 = none), metadata ttl (ms).
-- Returns 1 if the lease was honoured (the entry is now at least as new as the load), else 0.
local meta = load_meta(KEYS[2])
if meta.l == nil or meta.l ~= ARGV[1] then
  return 0 -- revoked by a write or a fence, lapsed, or the metadata was lost: the load may be stale
end
redis.call('HDEL', KEYS[2], META_LEASE)
if meta.f ~= nil or meta.writes > 0 then
  return 0
end
local current = entry_version(KEYS[1])
if current ~= nil and compare(current, ARGV[2]) >= 0 then
  keep_meta(KEYS[2], ARGV[5])
  return 1 -- the cache already holds this version or a newer one
end
if compare(ARGV[2], watermark(meta, current)) < 0 then
  return 0 -- older than a version this tier knows, whose entry was evicted or expired
end
install(KEYS[1], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[2], META_MARK, ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
