-- wrk script: POST $BODY_FILE as JSON when set; otherwise GET the paths in $PATHS (comma-separated) in turn,
-- sending If-None-Match from $ETAGS (same order) when set, to measure revalidation; with $BUST set, each GET gets a
-- unique `_` query parameter, so a server-side cache cannot answer and every request is rendered.
local body_file = os.getenv("BODY_FILE")
local paths, etags = {}, {}
for p in string.gmatch(os.getenv("PATHS") or "", "[^,]+") do table.insert(paths, p) end
for e in string.gmatch(os.getenv("ETAGS") or "", "[^,]+") do table.insert(etags, e) end
local body = nil
if body_file then
  local f = io.open(body_file, "r")
  body = f:read("*a")
  f:close()
end
local i = 0
local bust = os.getenv("BUST")
local n, started = 0, os.time() -- a later run (after the warm-up) must not repeat an earlier run's URLs
-- Thread ids keep the cache-busting parameters of wrk's threads apart.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  if body then
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
  end
  i = i % #paths + 1
  local headers = {}
  if etags[i] then headers["If-None-Match"] = etags[i] end
  local path = paths[i]
  if bust then
    n = n + 1
    path = path .. (string.find(path, "?", 1, true) and "&" or "?") .. "_=" .. started .. "-" .. tostring(tid) .. "-" .. n
  end
  return wrk.format("GET", path, headers)
end
