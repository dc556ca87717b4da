-- GET a list of paths round-robin (file in WRK_PATHS, one per line). Thread i starts at
-- a fixed offset, so a run's URL sequence is deterministic. Summary: summary.lua.
local paths = {}
local counter = 0
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  for line in io.lines(os.getenv("WRK_PATHS")) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  counter = (thread_index or 0) * 7919  -- a prime stride keeps threads apart
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = dofile(os.getenv("WRK_LUA_DIR") .. "/summary.lua")
