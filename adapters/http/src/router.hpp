// Route registration (private). A Router adds authenticated handlers under the
// prefix: it reads the body (bounded), checks the key, wraps each route in the
// catch-all that answers a generic 500, and counts its answers when metrics
// are on; finally it answers 405 for every other method on the paths it
// registered. Used only while mounting; the handlers it installs share one
// immutable Context.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "orderstate/http/routes.hpp"
#include "reply.hpp"

namespace orderstate::http {

// Bodies of GET /api/v2/events pages, shared by the long polls one commit
// wakes: they ask for the same page at once, and a non-empty page of
// (account, after, limit) read at one stream generation is an answer for
// every one of them (one that committed later is read by the next page).
// Kept at most kFresh: the generation counts this process's commits only,
// and an older event's order can still change (pending_since, replaced_by
// are as stored now), so another server's commit must show within the
// second it takes a waiting poll to notice it. Empty pages are never kept,
// so a wait always reads the journal. Many asking at once for one key wait
// for the first to build it. Bounded: cleared past 256 keys. Thread-safe.
class PageCache {
 public:
  using Body = std::shared_ptr<const std::string>;
  static constexpr std::chrono::milliseconds kFresh{1000};
  // The body for `key`, built by `make` once (nullptr from make: not kept,
  // and each waiter builds its own).
  Body get(const std::string& key, const std::function<Body()>& make);

 private:
  struct Entry {
    std::shared_future<Body> body;
    std::chrono::steady_clock::time_point built;  // when make started
  };
  std::mutex mutex_;
  std::map<std::string, Entry> bodies_;
};

// What every handler reaches: the service, the keys, the options.
struct Context {
  Orders& orders;
  Auth auth;
  RouteOptions options;
  std::unique_ptr<PageCache> pages;
};

// One authenticated request, as a route sees it.
struct Call {
  const Context& ctx;
  const std::string& account;  // the key's account: every service call is scoped by it
  const httplib::Request& req;
  const std::string& body;  // the request body (empty for GET)
};

using Route = void (*)(const Call& call, httplib::Response& res);

// Answers `error` with the route's words (see error_reply).
void fail(const Call& call, httplib::Response& res, const Error& error, const ErrorWords& words);

class Router {
 public:
  // Routes go under `prefix` (RouteOptions::prefix or v2_prefix).
  Router(httplib::Server& server, std::shared_ptr<const Context> context, std::string prefix);

  // `path` is a std::regex relative to the prefix ("orders/([^/]+)"); `label`
  // its template for the metrics and the OpenAPI document ("orders/{order_id}").
  void get(const std::string& path, std::string_view label, Route handler);
  void post(const std::string& path, std::string_view label, Route handler);
  // Registers the 405 answers; call once, after the last route.
  void answer_other_methods();

 private:
  struct Registered {
    std::string pattern;
    std::string method;
    RouteCounter* counter;  // null without metrics
  };
  RouteCounter* add(const std::string& path, std::string_view label, const char* method);

  httplib::Server& server_;
  std::shared_ptr<const Context> context_;
  std::string prefix_;
  std::string prefix_pattern_;
  std::vector<Registered> routes_;
};

// The counter of `label` (a full path template), or null when metrics are off.
RouteCounter* counter_for(const Context& ctx, std::string_view label);
// Counts the answer in `res`; does nothing for a null counter.
inline void count(RouteCounter* counter, const httplib::Response& res) {
  if (counter != nullptr && res.status != kParked) counter->record(res.status);
}

// Runs `body`, answering 500 "internal error" if anything escapes it.
void guarded(httplib::Response& res, const std::function<void()>& body);

// Handlers by concern (order_routes.cpp, position_routes.cpp).
void add_order_routes(Router& router);
void add_position_routes(Router& router);
void add_v2_routes(Router& router);  // v2_routes.cpp

}  // namespace orderstate::http
