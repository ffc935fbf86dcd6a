-- wrk script for bench/intake.py: POST /v1/reports with a unique Idempotency-Key per request.
-- Arguments (after `--`): <bearer token> <run prefix> <number of distinct subjects>
-- Prints one JSON line at the end: requests, seconds, 2xx count, error counts, latency percentiles (ms).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  prefix = args[2] or "run"
  subjects = tonumber(args[3] or "1000")
  ok = 0
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
end

local body_template = '{"channel":"in_app",' ..
  '"reporter":{"platform_user_id":"user-%d","age_band":"10_12","role":"victim"},' ..
  '"subject":{"type":"content","platform_id":"post-%d","account_id":"acct-%d","content_type":"text",' ..
  '"url":"https://platform.example/p/%d","age_band":"adult"},' ..
  '"reason":"bullying_me","free_text":"they keep calling me names","wants_updates":true}'

function request()
  counter = counter + 1
  local subject = counter % subjects
  headers["Idempotency-Key"] = string.format("%s-%d-%d", prefix, tid, counter)
  local body = string.format(body_template, counter, subject, subject % 97, subject)
  return wrk.format("POST", "/v1/reports", headers, body)
end

function response(status, hdrs, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local oks = 0
  for _, thread in ipairs(threads) do
    oks = oks + thread:get("ok")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"ok":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, oks, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
