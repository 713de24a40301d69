// The access log: one stderr line per request, as text ("POST /path 200 41us")
// or, with --log-format json, one JSON object per line. Never headers, bodies
// or keys; control bytes in the method and path are replaced so a request
// cannot forge lines. Installs the server's pre-routing handler and logger
// (one slot each, so the application's alone). Thread-safe once installed.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>

#include "flags.hpp"

namespace orderstate::server {

void log_requests(httplib::Server& server, LogFormat format);

// Logs an answer the connection layer gave without routing (a refused
// request): method and path "-", duration -1.
void log_refusal(LogFormat format, int status, const std::string& peer_ip);

// One access log line, without the newline. `duration_us` is -1 when the
// request failed before routing; `unix_seconds` stamps the JSON form.
std::string access_log_line(LogFormat format, const httplib::Request& req,
                            const httplib::Response& res, long long duration_us,
                            std::int64_t unix_seconds);

}  // namespace orderstate::server
