-- Checks, on a server process that a connection just reached, whether this tier's keys on it were
-- verified since the process started. KEYS: the epoch key, the flush lock (one slot).
-- ARGV: the server's run id, a lock token, the lock's time to live (ms).
-- The epoch key holds "<run id> <fills-from>": the run id at which the keys were last verified,
-- and the server time (ms) before which no fill may be installed.
-- Returns {0, fills-from minus now (ms)} if verified at this run id; {1, 0} if another node holds
-- the lock (it is clearing the keys); {2, 0} or {3, 0} if the caller now holds the lock and must
-- clear the keys: 2 when there was no epoch key at all, 3 when it named another run id.
local epoch = redis.call('GET', KEYS[1])
if epoch then
  local run, from = string.match(epoch, '^(%S+) (%d+)$')
  if run == ARGV[1] then
    local t = redis.call('TIME')
    return {0, tonumber(from) - (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))}
  end
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  if epoch then
    return {3, 0}
  end
  return {2, 0}
end
return {1, 0}
