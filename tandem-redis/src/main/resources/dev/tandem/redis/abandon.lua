-- Lifts the fence a writer placed before a database write that ended without committing (it
-- failed, or found a version conflict): nothing changed, so the key may be served and filled at
-- once rather than when the fence lapses. Other writers' fences stay. ARGV: the writer's token,
-- metadata ttl (ms). Returns 1 if the fence was there.
local lifted = redis.call('HDEL', KEYS[2], META_WRITE .. ARGV[1])
keep_meta(KEYS[2], ARGV[2])
return lifted
