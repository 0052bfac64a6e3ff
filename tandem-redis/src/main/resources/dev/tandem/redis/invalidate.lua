-- Deletes a key's entry; its watermark, lease and fences stay. ARGV: the near tiers' channel and
-- message (see lib): announced from the script, as every change of an entry is.
announce()
redis.call('DEL', KEYS[1])
return 1
