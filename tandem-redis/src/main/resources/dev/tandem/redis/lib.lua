-- Shared by every Tandem script; prepended to each one when it is loaded.
--
-- KEYS[1] is a key's entry: a string "<20-digit version><kind><value bytes>", kind '=' for a value
-- and '-' for a known absence (a tombstone, or an absence loaded from the database).
-- KEYS[2] is the key's metadata, a hash beside it in the same slot ({hash tag}):
--   m      the watermark: the newest version this tier has installed or been told of (20 digits)
--   l      the outstanding fill lease (a decimal token)
--   f      a fence placed after a failed or ambiguous publish; lifted by a committed write that is
--          not older than the watermark
--   w:<t>  a fence placed before a database write by writer token t; its value is the server time
--          (milliseconds) when it lapses if the writer never reports back
-- Every script that changes or fences an entry takes two more ARGV at the end: the pub/sub channel
-- of near tiers, and the message that names the entry there ("<node> <entry key>").
-- Versions are compared as two 10-digit halves, so every 64-bit version compares exactly (Lua
-- numbers are doubles) and no locale collation is involved.

local function compare(a, b)
  local ah, bh = tonumber(string.sub(a, 1, 10)), tonumber(string.sub(b, 1, 10))
  if ah ~= bh then
    if ah < bh then return -1 else return 1 end
  end
  local al, bl = tonumber(string.sub(a, 11, 20)), tonumber(string.sub(b, 11, 20))
  if al ~= bl then
    if al < bl then return -1 else return 1 end
  end
  return 0
end

local ZERO = '00000000000000000000'

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Reads the metadata hash into a table; drops write fences that have lapsed.
local function load_meta(key)
  local meta = { exists = false, m = nil, l = nil, f = nil, writes = 0 }
  local fields = redis.call('HGETALL', key)
  if #fields == 0 then
    return meta
  end
  meta.exists = true
  local now = nil
  for i = 1, #fields, 2 do
    local name, value = fields[i], fields[i + 1]
    if name == META_MARK then
      meta.m = value
    elseif name == META_LEASE then
      meta.l = value
    elseif name == META_FENCE then
      meta.f = value
    elseif string.sub(name, 1, #META_WRITE) == META_WRITE then
      now = now or now_ms()
      if tonumber(value) > now then
        meta.writes = meta.writes + 1
      else
        redis.call('HDEL', key, name)
      end
    end
  end
  return meta
end

-- The version of the current entry, or nil when there is none.
local function entry_version(key)
  local head = redis.call('GETRANGE', key, 0, 19)
  if head == false or head == '' then
    return nil
  end
  return head
end

-- The newest version known: the watermark or the entry's version, whichever is newer.
local function watermark(meta, current)
  local mark = meta.m or ZERO
  if current ~= nil and compare(current, mark) > 0 then
    return current
  end
  return mark
end

local function install(entry_key, payload, ttl_ms)
  if tonumber(ttl_ms) > 0 then
    redis.call('SET', entry_key, payload, 'PX', ttl_ms)
  else
    redis.call('SET', entry_key, payload)
  end
end

local function keep_meta(meta_key, meta_ttl_ms)
  if redis.call('EXISTS', meta_key) == 1 then
    redis.call('PEXPIRE', meta_key, meta_ttl_ms)
  end
end

-- Tells the near tiers that the entry changed. Published from inside the script, so that no change
-- can reach Redis without its message; Redis queues it for every subscriber before it runs any
-- other command.
local function announce()
  redis.call('PUBLISH', ARGV[#ARGV - 1], ARGV[#ARGV])
end
