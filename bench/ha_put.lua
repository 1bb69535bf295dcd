-- wrk script for bench/ha_api.py: every request is a PUT that creates a new
-- Host (bench-<thread>-<random>-<n>), so each one is a real write (a PUT that
-- changes nothing is answered from the stored resource without writing).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  prefix = "/v1/hosts/bench-" .. id .. "-" .. math.random(1, 1000000000) .. "-"
  counter = 0
  wrk.headers["Content-Type"] = "application/json"
end

request = function()
  counter = counter + 1
  return wrk.format("PUT", prefix .. counter, nil, '{"spec":{"address":"10.0.0.9","user":"deploy"}}')
end
