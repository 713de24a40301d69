-- wrk script: each request cancels the next order id ord-20260303120000-N,
-- N counting up from $FIRST (wrapping after $LAST when set); counts answers
-- by status.
local first = tonumber(os.getenv("FIRST") or "1")
local last = tonumber(os.getenv("LAST") or "0")
local key = os.getenv("KEY") or "benchkey"
local threads = {}

function setup(thread)
  thread:set("id", first + #threads * 10000000)
  table.insert(threads, thread)
end

function init()
  statuses = {}
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  local body = '{"order_id":"ord-20260303120000-' .. id .. '"}'
  id = id + 1
  if last > 0 and id > last then id = first end
  return wrk.format(nil, "/api/v1/trading/cancel_order", nil, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("p99.9 %d us\n", latency:percentile(99.9)))
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d %d\n", status, n)) end
end
