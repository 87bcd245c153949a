-- intake.lua: wrk script for bench/intake.sh: posts JSON submissions to the form-tool
-- endpoint, each with its own Idempotency-Key (thread number, run id, counter), and
-- reports the answers by status and the latency percentiles when done.
local threads = {}
local thread_no = 0

function setup(thread)
  thread:set("no", thread_no)
  thread_no = thread_no + 1
  table.insert(threads, thread)
end

function init(args)
  run = args[1] or "run"
  n = 0
  ok, limited, unavailable, other = 0, 0, 0, 0
  body = '{"text": "Graag meer digitaal, maar houd het loket open voor wie dat nodig heeft.",'
      .. ' "ambition": ["A1", "A5"], "stance": "gemengd", "group": "inwoner"}'
end

function request()
  n = n + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-%d-%d", run, no, n),
  }, body)
end

function response(status, headers, body)
  if status == 201 then ok = ok + 1
  elseif status == 429 then limited = limited + 1
  elseif status == 503 then unavailable = unavailable + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local o, l, u, x = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok"); l = l + t:get("limited")
    u = u + t:get("unavailable"); x = x + t:get("other")
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT answers=%d accepted=%d limited_429=%d unavailable_503=%d other=%d errors=%d " ..
    "seconds=%.2f accepted_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, o, l, u, x,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    secs, o / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
