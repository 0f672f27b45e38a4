-- Holds on one showtime: best available pairs, each replacing the
-- connection's previous hold (one hold per user and showtime).
-- HOLD_TOKEN, HOLD_SHOWTIME from the environment.
local token = os.getenv("HOLD_TOKEN")
local path = "/v1/showtimes/" .. os.getenv("HOLD_SHOWTIME") .. "/holds"
wrk.method = "POST"
wrk.body = '{"best_available":{"count":2}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
request = function() return wrk.format(nil, path) end
