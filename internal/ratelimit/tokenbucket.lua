-- A token bucket kept as GCRA (the generic cell rate algorithm): one
-- integer per key, the "theoretical arrival time" (tat) at which the bucket
-- would be full again, in microseconds. Integers keep refills exact (a
-- float token count drifts); one script call is atomic, so any number of
-- API instances can draw from the same bucket.
-- KEYS[1] the bucket; ARGV[1] microseconds per token (1/rate), ARGV[2] the
-- burst (bucket size), ARGV[3] now in microseconds, or "" for the Redis
-- server's clock.
-- Returns {allowed (0|1), microseconds until a token is available}.
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now
if ARGV[3] == "" then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[3])
end

-- A stored tat in the past is a full bucket; max() also means a clock that
-- went backwards (another host's, or an injected one) refills nothing.
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or 0), now)
local newTat = tat + interval
local allowAt = newTat - interval * burst
if now < allowAt then
  return {0, allowAt - now}
end
-- The key lives until the bucket is full again: after that it would equal
-- a fresh one.
redis.call('SET', KEYS[1], string.format('%d', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1000)
return {1, 0}
