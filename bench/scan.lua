-- wrk script for bench/scan_http.py: POST /v1/scan/media with benign 512x512 JPEGs, round robin.
-- Arguments (after `--`): <bearer token> <folder of JPEGs> <number of files> <run prefix>
-- Prints one JSON line at the end: requests, seconds, counts by status class, latency percentiles (ms).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  local folder = args[2]
  local count = tonumber(args[3])
  prefix = args[4] or "run"
  bodies = {}
  for i = 0, count - 1 do
    local f = assert(io.open(string.format("%s/%04d.jpg", folder, i), "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  ok, shed, other = 0, 0, 0
  headers = {["Content-Type"] = "image/jpeg", ["Authorization"] = "Bearer " .. token}
end

function request()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  local path = string.format("/v1/scan/media?content_id=%s-%d-%d", prefix, tid, counter)
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
  if status == 200 then ok = ok + 1
  elseif status == 503 or status == 429 then shed = shed + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local oks, sheds, others = 0, 0, 0
  for _, thread in ipairs(threads) do
    oks = oks + thread:get("ok")
    sheds = sheds + thread:get("shed")
    others = others + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"ok":%d,"shed":%d,"other":%d,"timeouts":%d,"socket_errors":%d,' ..
    '"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, oks, sheds, others, e.timeout, e.connect + e.read + e.write,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
