-- wrk script for make bench: plain GETs (the static file and hello.fcgi baselines), reporting
-- the same "BENCH ..." line as webhook.lua so tests/bench/ingest.py reads both alike.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  ok, answered = 0, 0
end

function response(status, headers, body)
  answered = answered + 1
  if status >= 200 and status < 300 then
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local o, a = 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok")
    a = a + t:get("answered")
  end
  io.write(string.format("BENCH sent=%d ok=%d answered=%d exhausted=0 p50_us=%d p99_us=%d " ..
    "requests=%d duration_us=%d errors_status=%d errors_connect=%d errors_read=%d errors_timeout=%d\n",
    a, o, a, latency:percentile(50), latency:percentile(99), summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.timeout))
end
