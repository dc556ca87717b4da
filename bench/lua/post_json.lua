-- POST JSON bodies round-robin (file in WRK_BODIES, one body per line) to WRK_POST_PATH.
-- Deterministic like paths.lua; the same JSON summary to WRK_OUT.
local bodies = {}
local counter = 0
local thread_count = 0
local path = "/"

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  for line in io.lines(os.getenv("WRK_BODIES")) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  path = os.getenv("WRK_POST_PATH")
  counter = (thread_index or 0) * 7919
end

function request()
  counter = counter + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json"},
                    bodies[(counter % #bodies) + 1])
end

done = dofile(os.getenv("WRK_LUA_DIR") .. "/summary.lua")
