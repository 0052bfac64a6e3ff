-- Gives back a lease. ARGV: lease. Returns 1 if it was still outstanding.
if redis.call('HGET', KEYS[2], META_LEASE) == ARGV[1] then
  redis.call('HDEL', KEYS[2], META_LEASE)
  return 1
end
return 0
