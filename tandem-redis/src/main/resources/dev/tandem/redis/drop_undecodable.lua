-- Deletes an entry that this node's codec could not decode (written by another codec, e.g. during
-- a rolling deploy), if it still holds the bytes that were read, so that the next fill replaces it;
-- its watermark, lease and fences stay. ARGV: the bytes read, then the near tiers' channel and
-- message (see lib). Returns 1 if deleted.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
announce()
redis.call('DEL', KEYS[1])
return 1
