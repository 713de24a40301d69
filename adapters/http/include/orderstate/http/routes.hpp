// The HTTP adapter: mounts the /api/v1/trading and /api/v2 endpoints on a caller-owned
// httplib::Server. Handlers decode JSON, call one Orders method for the key's
// account, and encode the result; every body is JSON (application/json) and no
// exception or internal text reaches a client. Handlers run concurrently on the
// server's pool; everything they touch (Orders, the probes) must be thread-safe.
// The endpoints are described by the OpenAPI document (openapi.hpp).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "orderstate/http/auth.hpp"
#include "orderstate/http/metrics.hpp"
#include "orderstate/orders.hpp"

namespace orderstate::http {

inline constexpr std::size_t kDefaultPayloadMaxLength = 64 * 1024;

// The status a route leaves in its response when RouteOptions::park took
// the request: no answer yet.
inline constexpr int kParked = 0;

// What RouteOptions::stream made of a Server-Sent Events answer.
enum class Streaming {
  No,         // the answer is a whole HTTP response
  Started,    // its head and body open a stream that stays open
  Continued,  // its body (possibly empty) is the stream's next piece
};

struct RouteOptions {
  // Every endpoint lives under this path.
  std::string prefix = "/api/v1/trading";
  // The v2 routes (orderstate's full model: fills, execution reports, true
  // statuses) live under this path; not mounted when empty.
  std::string v2_prefix = "/api/v2";
  // Largest request body read, chunked ones included (cpp-httplib 0.11 bounds
  // only Content-Length bodies, by the server's payload limit). Keep it at or
  // below that limit.
  std::size_t max_body_bytes = kDefaultPayloadMaxLength;
  // GET /healthz answers 200 while this returns true, else 503. Not mounted
  // when empty. Called on pool threads: must be thread-safe.
  std::function<bool()> health;
  // Called with the log-only message of every Unavailable/Storage error (the
  // client sees only "storage unavailable" / "internal error"). Optional.
  std::function<void(std::string_view)> on_storage_error;
  // Nanoseconds since the epoch, for the positions snapshot's id and
  // timestamp. Empty: the system clock.
  std::function<std::int64_t()> now_ns;
  // GET here answers the OpenAPI document, its paths under `prefix` (no key
  // needed). Not mounted when empty.
  std::string openapi_path = "/api/v1/openapi.json";
  // When set, every request a route answers is counted under the route's
  // template (prefix + "/orders/{order_id}", "/healthz", ...) and its status,
  // and each cancel's service time is observed. The text is served at
  // `metrics_path` (no key needed; not mounted when empty).
  std::shared_ptr<Metrics> metrics;
  std::string metrics_path = "/metrics";
  // Long-poll parking (GET /api/v2/events?wait=S, issue 16). Without it a
  // wait blocks the thread that runs the route. With it, a route that finds
  // no event calls park(account, generation, wait) instead: true means the
  // caller (an HTTP edge that owns the connection) keeps the request and
  // runs it again once the account's stream generation (Orders::events())
  // is no longer `generation`, every second (other processes' commits are
  // not published here), and once `wait` has passed since the request was
  // first parked; then park returns false and the route answers what there
  // is. A parked run leaves the response's status at kParked (not counted,
  // not an answer: discard it). Called on the route's thread.
  std::function<bool(std::string_view account, std::uint64_t generation,
                     std::chrono::milliseconds wait)>
      park;
  // Server-Sent Events (GET /api/v2/events/stream, issue 16). Without it the
  // route answers the events so far as a whole text/event-stream response
  // with a retry hint (the client reconnects with Last-Event-ID). With it,
  // stream(account, generation, last_seq) lets the caller (an HTTP edge)
  // keep the connection: it sends the head and each body as a chunk, runs
  // the request again (with Last-Event-ID: last_seq) once the account's
  // generation moves off `generation` or every second, and sends a comment
  // as a heartbeat when nothing was sent for 15 s. Called on the route's thread.
  std::function<Streaming(std::string_view account, std::uint64_t generation,
                          std::int64_t last_seq)>
      stream;
};

// Adds the routes (and 405 answers for their other methods) to `server`, and
// the unauthenticated GETs the options ask for: /healthz, the OpenAPI
// document, /metrics. Installs no server-wide handler: see
// install_default_handlers. `orders` must outlive the server's use of the
// routes; `auth` and `options` are copied.
void mount_routes(httplib::Server& server, Orders& orders, const Auth& auth,
                  const RouteOptions& options = {});

// The server-wide handlers the adapter's JSON contract assumes, for
// applications that have none of their own: JSON error bodies for 400/404/
// 405/413 and the like, a generic 500 for escaping exceptions, and the payload
// limit. Replaces any error or exception handler set before. With `metrics`,
// the requests no route answered (unknown paths, malformed requests) are
// counted under route kUnmatchedRoute.
void install_default_handlers(httplib::Server& server,
                              std::size_t payload_max_length = kDefaultPayloadMaxLength,
                              std::shared_ptr<Metrics> metrics = nullptr);

}  // namespace orderstate::http
