-- Vouches for this tier's keys on this server process after they were cleared, and releases the
-- flush lock. KEYS: the epoch key, the flush lock. ARGV: the lock token, the run id, the server
-- time (ms) from which fills are safe ('' for now plus ARGV[4]), the write fence timeout (ms).
-- Returns {0, fills-from minus now (ms)}, or {1, 0} if the lock lapsed (nothing is vouched for).
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return {1, 0}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local from = now + tonumber(ARGV[4])
if ARGV[3] ~= '' then
  from = tonumber(ARGV[3])
end
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. string.format('%.0f', from))
redis.call('DEL', KEYS[2])
return {0, from - now}
