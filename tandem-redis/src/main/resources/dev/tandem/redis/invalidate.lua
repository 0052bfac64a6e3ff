-- Deletes a key's entry and revokes its fill lease: a load that began before may have read a row
-- that the change behind this drop replaced (a write that bypassed Tandem, race H11), and it may be
-- another node's. Its watermark and fences stay. ARGV: the near tiers' channel and message (see
-- lib): announced from the script, as every change of an entry is.
announce()
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], META_LEASE)
return 1
