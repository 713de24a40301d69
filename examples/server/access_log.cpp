#include "access_log.hpp"

#include <chrono>
#include <cstdio>

#include "orderstate/clock.hpp"
#include "orderstate/http/routes.hpp"

namespace orderstate::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

thread_local SteadyClock::time_point request_start{};  // set before routing, read by the logger

// `s` with control bytes replaced, so a request cannot forge log lines.
std::string printable(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return s;
}

// A JSON string of `s`: quotes and backslashes escaped; control and
// non-ASCII bytes (a decoded path may hold any byte) become '?', so every
// line is valid UTF-8.
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') out += '\\';
    out += u < 0x20 || u >= 0x7f ? '?' : c;
  }
  return out + "\"";
}

}  // namespace

std::string access_log_line(LogFormat format, const httplib::Request& req,
                            const httplib::Response& res, long long duration_us,
                            std::int64_t unix_seconds) {
  if (format == LogFormat::Text) {
    return printable(req.method) + " " + printable(req.path) + " " + std::to_string(res.status) +
           " " + std::to_string(duration_us) + "us";
  }
  return "{\"time\":\"" + format_rfc3339(unix_seconds) +
         "\",\"method\":" + json_string(req.method) + ",\"path\":" + json_string(req.path) +
         ",\"status\":" + std::to_string(res.status) +
         ",\"duration_us\":" + std::to_string(duration_us) +
         ",\"remote_addr\":" + json_string(req.remote_addr) + "}";
}

void log_requests(httplib::Server& server, LogFormat format) {
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = SteadyClock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_logger([format](const httplib::Request& req, const httplib::Response& res) {
    if (res.status == http::kParked) return;  // a long poll waiting: logged when answered
    long long us = -1;                        // -1: the request failed before routing
    if (request_start != SteadyClock::time_point{}) {
      us = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - request_start)
               .count();
    }
    request_start = {};
    const std::string line = access_log_line(format, req, res, us, SystemClock().now()) + "\n";
    std::fputs(line.c_str(), stderr);
  });
}

void log_refusal(LogFormat format, int status, const std::string& peer_ip) {
  httplib::Request req;
  req.method = "-";
  req.path = "-";
  req.remote_addr = peer_ip;
  httplib::Response res;
  res.status = status;
  const std::string line = access_log_line(format, req, res, -1, SystemClock().now()) + "\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace orderstate::server
