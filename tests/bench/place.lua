-- wrk script: each request places a LIMIT order; counts answers by status.
local key = os.getenv("KEY") or "benchkey"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init()
  statuses = {}
  wrk.method = "POST"
  wrk.path = "/api/v1/trading/place_order"
  wrk.body = '{"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT",' ..
             '"amount":"0.01","price":"50000.00"}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d %d\n", status, n)) end
end
