-- wrk: every request from a client address not seen before, through X-Forwarded-For (the service
-- trusts one proxy), so each is counted by the rate limit as a visitor's first request would be.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local sent = 0

function request()
  sent = sent + 1
  local n = sent * 8 + thread_number
  local address = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  wrk.headers["X-Forwarded-For"] = address
  return wrk.format()
end
