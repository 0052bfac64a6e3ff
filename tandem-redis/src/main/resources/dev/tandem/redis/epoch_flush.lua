#!lua flags=allow-cross-slot-keys
-- Unlinks a batch of this tier's keys while the caller still holds the flush lock, and renews it.
-- KEYS: the flush lock. ARGV: the lock token, lock ttl (ms), then the keys to unlink, all on this
-- server (in a cluster they lie in other slots than the lock: undeclared, which the flag allows).
-- Returns the number of keys unlinked, or -1 if the lock is not the caller's any more (it lapsed:
-- another node may have finished the flush and vouched for the keys, which must then stay).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 3, #ARGV do
  redis.call('UNLINK', ARGV[i])
end
return #ARGV - 2
