-- wrk script: cancels the orders listed in $IDS ("ACCOUNT ORDER_ID" lines, as
-- pg_bench --seed --accounts writes them), from line $FIRST on, each with its
-- account's key "key-ACCOUNT"; counts answers by status.
local first = tonumber(os.getenv("FIRST") or "1")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init()
  statuses = {}
  orders = {}
  local n = 0
  for line in io.lines(os.getenv("IDS")) do
    n = n + 1
    if n >= first then
      local account, id = line:match("^(%S+) (%S+)$")
      orders[#orders + 1] = {account, id}
    end
  end
  next_order = 1
end

function request()
  local o = orders[next_order]
  next_order = next_order % #orders + 1
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer key-" .. o[1]}
  return wrk.format("POST", "/api/v1/trading/cancel_order", headers, '{"order_id":"' .. o[2] .. '"}')
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
