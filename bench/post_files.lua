-- wrk script: POST prepared request bodies, round robin, and count answers by status class.
-- Used by bench/scan_http.py (JPEG uploads) and bench/text_http.py (JSON message batches).
-- Arguments (after `--`): <bearer token> <folder> <number of files> <run prefix> <path> <content type> <extension>
-- Files are <folder>/0000.<extension>, 0001.<extension>, ...; each request's path gets
-- `?content_id=<prefix>-<thread>-<n>` so every upload names distinct content.
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
  path = args[5] or "/v1/scan/media"
  local extension = args[7] or "jpg"
  bodies = {}
  for i = 0, count - 1 do
    local f = assert(io.open(string.format("%s/%04d.%s", folder, i, extension), "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  ok, shed, other = 0, 0, 0
  headers = {["Content-Type"] = args[6] or "image/jpeg", ["Authorization"] = "Bearer " .. token}
end

function request()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  return wrk.format("POST", string.format("%s?content_id=%s-%d-%d", path, prefix, tid, counter), headers, body)
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
