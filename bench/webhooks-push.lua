-- wrk script: POSTs the signed 25 KB GitHub push payload prepared by webhooks.sh, a fresh delivery id per request.
-- BODY_FILE and SIG_FILE come from the environment.
local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local body = read(os.getenv("BODY_FILE"))
local signature = read(os.getenv("SIG_FILE")):gsub("%s+$", "")
local counter = 0

function setup(thread)
  thread:set("id", math.random(1, 1e9))
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/hooks/github", {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "push",
    ["X-GitHub-Delivery"] = string.format("bench-%d-%d", id or 0, counter),
    ["X-Hub-Signature-256"] = signature,
    ["User-Agent"] = "GitHub-Hookshot/bench",
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
