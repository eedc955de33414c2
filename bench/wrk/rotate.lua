-- wrk script for bench/run.sh: sends one request per line of a request file,
-- each wrk thread taking every n-th line, and prints one result line at the end.
--
-- Settings come from the environment:
--   BENCH_ITEMS         the request file: "<Authorization value>\t<body>" per line
--   BENCH_METHOD        GET or POST (default GET)
--   BENCH_PATH          the request path
--   BENCH_CONTENT_TYPE  the body's content type (POST)
--   BENCH_EXPECT        the expected status (default 200); other answers are errors
--   BENCH_SINGLE_USE    1: every line is used once, and a thread stops when its
--                       lines run out; 0: threads go round their lines again
--
-- wrk divides by the whole duration even when threads stop early, so single-use
-- scenarios time themselves: from the first request sent to the last answer.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local content_type = os.getenv("BENCH_CONTENT_TYPE")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local single_use = os.getenv("BENCH_SINGLE_USE") == "1"

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end

local requests_of = {}
local next_index = 1
-- Read by done() through thread:get.
unexpected = 0
-- Unexpected answers by status, e.g. { [500] = 3 }.
unexpected_by_status = {}
answered = 0
first_sent_at = 0
last_answer_at = 0

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local line_no = 0
  for line in io.lines(os.getenv("BENCH_ITEMS")) do
    if line_no % nthreads == id then
      local auth, body = line:match("^([^\t]*)\t(.*)$")
      local headers = {}
      if auth ~= "" then headers["Authorization"] = auth end
      if body == "" then
        body = nil
      elseif content_type then
        headers["Content-Type"] = content_type
      end
      table.insert(requests_of, wrk.format(method, path, headers, body))
    end
    line_no = line_no + 1
  end
  if #requests_of == 0 then
    error("no requests for thread " .. id .. " in " .. os.getenv("BENCH_ITEMS"))
  end
end

function request()
  if first_sent_at == 0 then
    first_sent_at = now()
  end
  if next_index > #requests_of then
    if single_use then
      -- Out of single-use lines: end this thread rather than replay one.
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
    end
    next_index = 1
  end
  local r = requests_of[next_index]
  next_index = next_index + 1
  return r
end

-- Only scenarios expecting an error status, and single-use ones, look at each
-- answer; the others count wrk's own non-2xx/3xx tally, which costs the load
-- generator nothing per request.
if expect ~= 200 or single_use then
  function response(status, headers, body)
    if status ~= expect then
      unexpected = unexpected + 1
      unexpected_by_status[status] = (unexpected_by_status[status] or 0) + 1
    end
    answered = answered + 1
    last_answer_at = now()
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  local by_status = {}
  if expect ~= 200 or single_use then
    for _, t in ipairs(threads) do
      errors = errors + t:get("unexpected")
      for status, n in pairs(t:get("unexpected_by_status")) do
        by_status[status] = (by_status[status] or 0) + n
      end
    end
  else
    errors = errors + summary.errors.status
    if summary.errors.status > 0 then by_status["non-2xx"] = summary.errors.status end
  end
  -- What the errors were: statuses, then socket errors and timeouts.
  local detail = {}
  for status, n in pairs(by_status) do
    table.insert(detail, status .. ":" .. n)
  end
  for _, kind in ipairs({ "connect", "read", "write", "timeout" }) do
    if summary.errors[kind] > 0 then
      table.insert(detail, kind .. ":" .. summary.errors[kind])
    end
  end
  table.sort(detail)
  local count = summary.requests
  local seconds = summary.duration / 1e6
  if single_use then
    local first, last = math.huge, 0
    count = 0
    for _, t in ipairs(threads) do
      count = count + t:get("answered")
      local f = t:get("first_sent_at")
      if f > 0 and f < first then first = f end
      last = math.max(last, t:get("last_answer_at"))
    end
    if last > first then seconds = last - first end
  end
  io.write(string.format(
    "BENCH_RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d detail=%s\n",
    count, seconds, count / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors,
    #detail > 0 and table.concat(detail, ",") or "-"))
end
