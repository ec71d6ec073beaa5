-- wrk script: POST $BODY_FILE as JSON when set, or the files in $BODY_FILES (comma-separated) in turn; otherwise GET
-- the paths in $PATHS (comma-separated) in turn, sending If-None-Match from $ETAGS (same order) when set, to measure revalidation.
local body_file = os.getenv("BODY_FILE")
local bodies = {}
for f in string.gmatch(os.getenv("BODY_FILES") or "", "[^,]+") do
  local h = io.open(f, "r")
  table.insert(bodies, h:read("*a"))
  h:close()
end
local paths, etags = {}, {}
for p in string.gmatch(os.getenv("PATHS") or "", "[^,]+") do table.insert(paths, p) end
for e in string.gmatch(os.getenv("ETAGS") or "", "[^,]+") do table.insert(etags, e) end
local body = nil
if body_file then
  local f = io.open(body_file, "r")
  body = f:read("*a")
  f:close()
end
-- $AUTH, when set, is sent as the Authorization header of every request (a bearer token: the same requests as a viewer).
local auth = os.getenv("AUTH")
local function with_auth(headers)
  if auth then headers["Authorization"] = auth end
  return headers
end
local i = 0
request = function()
  if #bodies > 0 then
    i = i % #bodies + 1
    return wrk.format("POST", nil, with_auth({ ["Content-Type"] = "application/json" }), bodies[i])
  end
  if body then
    return wrk.format("POST", nil, with_auth({ ["Content-Type"] = "application/json" }), body)
  end
  i = i % #paths + 1
  local headers = {}
  if etags[i] then headers["If-None-Match"] = etags[i] end
  return wrk.format("GET", paths[i], with_auth(headers))
end
