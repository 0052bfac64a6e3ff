#!lua flags=allow-cross-slot-keys
-- Unlinks a batch of this tier's keys while the caller still holds the flush lock, and renews it.
-- KEYS: the flush lock, then the keys (all on this server). ARGV: the lock token, lock ttl (ms).
-- Returns the number of keys unlinked, or -1 if the lock is not the caller's any more (it lapsed:
-- another node may have finished the flush and vouched for the keys, which must then stay).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 2, #KEYS do
  redis.call('UNLINK', KEYS[i])
end
return #KEYS - 1
