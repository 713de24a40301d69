#include "router.hpp"

#include <utility>

#include "reply.hpp"

namespace orderstate::http {
namespace {

std::string escape_regex(const std::string& s) {
  static const std::string kSpecial = R"(\^$.|?*+()[]{})";
  std::string out;
  for (char c : s) {
    if (kSpecial.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

void method_not_allowed(const std::string& allowed, httplib::Response& res) {
  send_error(res, 405, "method not allowed");
  res.set_header("Allow", allowed);
}

// Checks the key, then runs the route.
void authenticated(const Context& ctx, Route route, const httplib::Request& req,
                   const std::string& body, httplib::Response& res) {
  // The header as received: get_header_value() would cut it at a NUL byte.
  const auto header = req.headers.find("Authorization");
  const auto account =
      ctx.auth.account_for(header == req.headers.end() ? std::string_view() : header->second);
  if (!account) return send_error(res, 401, "unauthorized");
  route(Call{ctx, *account, req, body}, res);
}

// cpp-httplib 0.11 waits for the body of a POST that declares none (no
// Content-Length nor Transfer-Encoding: RFC 9112 says it has none) and does not
// bound chunked bodies, so routes read theirs here. A body over `max` is read
// to its end but not kept, so the connection stays in step. False when the
// request was answered (too large, or malformed).
bool read_body(const httplib::Request& req, const httplib::ContentReader& reader, std::size_t max,
               std::string& body, httplib::Response& res) {
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) return true;
  if (req.is_multipart_form_data()) {
    // The API takes JSON. Read the parts and drop them (keeping the connection
    // in step: httplib has no plain reader for multipart bodies), then refuse.
    reader([](const httplib::MultipartFormData&) { return true; },
           [](const char*, std::size_t) { return true; });
    send_error(res, 400, kInvalidPayload);
    return false;
  }
  bool too_large = false;
  const bool complete = reader([&](const char* data, std::size_t n) {
    too_large = too_large || body.size() + n > max;
    if (!too_large) body.append(data, n);
    return true;
  });
  // httplib itself answers 413 for a Content-Length over the server's limit.
  if (too_large || res.status == 413) {
    send_error(res, 413, "request body too large");
    return false;
  }
  if (complete) return true;
  send_error(res, 400, "bad request");
  res.set_header("Connection", "close");  // framing lost: ask the client to go
  return false;
}

}  // namespace

void guarded(httplib::Response& res, const std::function<void()>& body) {
  try {
    body();
  } catch (...) {
    // Nothing about the exception reaches the client.
    try {
      res.headers.clear();
      send_error(res, 500, kInternalError);
    } catch (...) {
      res.status = 500;
    }
  }
}

void fail(const Call& call, httplib::Response& res, const Error& error, const ErrorWords& words) {
  send_failure(res, error, words, call.ctx.options.on_storage_error);
}

PageCache::Body PageCache::get(const std::string& key, const std::function<Body()>& make) {
  std::promise<Body> promise;
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  if (const auto it = bodies_.find(key); it != bodies_.end()) {
    if (now - it->second.built < kFresh) {
      const std::shared_future<Body> shared = it->second.body;
      lock.unlock();  // the first asker builds it: wait without the lock
      if (Body body = shared.get()) return body;
      return make();  // it kept nothing: build our own
    }
    bodies_.erase(it);  // too old: read again
  }
  if (bodies_.size() >= 256) bodies_.clear();
  bodies_.emplace(key, Entry{promise.get_future().share(), now});
  lock.unlock();
  Body body;
  try {
    body = make();
  } catch (...) {
    promise.set_value(nullptr);
    lock.lock();
    bodies_.erase(key);
    throw;
  }
  promise.set_value(body);
  if (!body) {
    lock.lock();
    bodies_.erase(key);
  }
  return body;
}

RouteCounter* counter_for(const Context& ctx, std::string_view label) {
  return ctx.options.metrics ? &ctx.options.metrics->route(label) : nullptr;
}

Router::Router(httplib::Server& server, std::shared_ptr<const Context> context, std::string prefix)
    : server_(server),
      context_(std::move(context)),
      prefix_(std::move(prefix)),
      prefix_pattern_(escape_regex(prefix_) + "/") {}

RouteCounter* Router::add(const std::string& path, std::string_view label, const char* method) {
  RouteCounter* counter = counter_for(*context_, prefix_ + "/" + std::string(label));
  routes_.push_back({prefix_pattern_ + path, method, counter});
  return counter;
}

void Router::get(const std::string& path, std::string_view label, Route route) {
  RouteCounter* counter = add(path, label, "GET");
  server_.Get(routes_.back().pattern, [ctx = context_, route, counter](const httplib::Request& req,
                                                                       httplib::Response& res) {
    guarded(res, [&] { authenticated(*ctx, route, req, std::string(), res); });
    count(counter, res);
  });
}

void Router::post(const std::string& path, std::string_view label, Route route) {
  RouteCounter* counter = add(path, label, "POST");
  server_.Post(routes_.back().pattern,
               [ctx = context_, route, counter](const httplib::Request& req, httplib::Response& res,
                                                const httplib::ContentReader& reader) {
                 guarded(res, [&] {
                   std::string body;
                   if (!read_body(req, reader, ctx->options.max_body_bytes, body, res)) return;
                   authenticated(*ctx, route, req, body, res);
                 });
                 count(counter, res);
               });
}

void Router::answer_other_methods() {
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Registered& r = routes_[i];
    // A path with both a GET and a POST route allows both; answer it once.
    std::string allowed = r.method;
    bool first = true;
    for (std::size_t j = 0; j < routes_.size(); ++j) {
      if (j == i || routes_[j].pattern != r.pattern) continue;
      first = first && j > i;
      allowed = "GET, POST";
    }
    if (!first) continue;
    auto answer = [allowed, counter = r.counter](const httplib::Request&, httplib::Response& res) {
      guarded(res, [&] { method_not_allowed(allowed, res); });
      count(counter, res);
    };
    if (allowed.find("GET") == std::string::npos) server_.Get(r.pattern, answer);
    if (allowed.find("POST") == std::string::npos) server_.Post(r.pattern, answer);
    server_.Put(r.pattern, answer);
    server_.Patch(r.pattern, answer);
    server_.Delete(r.pattern, answer);
    server_.Options(r.pattern, answer);
  }
}

}  // namespace orderstate::http
