-- wrk script for make bench: POSTs pre-signed, distinct OfficeRnD events to webhook.fcgi.
--   wrk -s webhook.lua URL -- DIR
-- DIR/thread-N.txt (N from 1) holds one event a line: "<signature header>\t<JSON body>", written
-- by tests/bench/ingest.py just before the run (signatures hold for 5 minutes). Each wrk thread
-- reads its own file, so no thread waits for another's load. A thread that has sent every event
-- of its file stops rather than send one twice: a duplicate would be answered 200 "duplicate"
-- without a new row, and the stored count would no longer match the acknowledged one.
-- done() prints one line "BENCH key=value ..." that ingest.py reads.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  dir = args[1]
  reqs = {}
  sent, ok, answered, exhausted = 0, 0, 0, 0
  local f = assert(io.open(dir .. "/thread-" .. id .. ".txt", "rb"))
  local path = wrk.path
  for line in f:lines() do
    local tab = line:find("\t", 1, true)
    reqs[#reqs + 1] = wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["officernd-signature"] = line:sub(1, tab - 1),
    }, line:sub(tab + 1))
  end
  f:close()
end

function request()
  if sent >= #reqs then
    exhausted = 1
    wrk.thread:stop()
    return reqs[#reqs]
  end
  sent = sent + 1
  return reqs[sent]
end

-- "ok" counts the events acknowledged as new ("accepted"); a 200 "duplicate" is not one.
function response(status, headers, body)
  answered = answered + 1
  if status >= 200 and status < 300 and body:find('"accepted"', 1, true) then
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local s, o, a, e = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent")
    o = o + t:get("ok")
    a = a + t:get("answered")
    e = e + t:get("exhausted")
  end
  io.write(string.format("BENCH sent=%d ok=%d answered=%d exhausted=%d p50_us=%d p99_us=%d " ..
    "requests=%d duration_us=%d errors_status=%d errors_connect=%d errors_read=%d errors_timeout=%d\n",
    s, o, a, e, latency:percentile(50), latency:percentile(99), summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.timeout))
end
