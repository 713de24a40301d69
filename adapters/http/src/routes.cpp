// mount_routes and install_default_handlers: the adapter's two entry points,
// and the unauthenticated endpoints (health, OpenAPI document, metrics).
#include "orderstate/http/routes.hpp"

#include <memory>

#include "orderstate/http/openapi.hpp"
#include "reply.hpp"
#include "router.hpp"

namespace orderstate::http {
namespace {

// The body for a status httplib produced itself (no route wrote one).
std::string_view default_message(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 413:
      return "request body too large";
    case 414:
      return "request uri too long";
    case 416:
      return "range not satisfiable";
    default:
      return status >= 500 ? kInternalError : "request failed";
  }
}

// GET `path` without a key, answered by `answer` and counted under `path`.
void mount_public(httplib::Server& server, const Context& ctx, const std::string& path,
                  std::function<void(httplib::Response&)> answer) {
  server.Get(path, [counter = counter_for(ctx, path), answer = std::move(answer)](
                       const httplib::Request&, httplib::Response& res) {
    guarded(res, [&] { answer(res); });
    count(counter, res);
  });
}

void mount_unauthenticated(httplib::Server& server, const Context& ctx) {
  const RouteOptions& options = ctx.options;
  if (options.health) {
    mount_public(server, ctx, "/healthz", [probe = options.health](httplib::Response& res) {
      if (probe()) return send_json(res, 200, R"({"status":"ok"})");
      send_error(res, 503, kStorageUnavailable);
    });
  }
  if (!options.openapi_path.empty()) {
    mount_public(server, ctx, options.openapi_path,
                 [doc = openapi_json_for(options.prefix)](httplib::Response& res) {
                   send_json(res, 200, doc);
                 });
  }
  if (options.metrics && !options.metrics_path.empty()) {
    mount_public(server, ctx, options.metrics_path, [metrics = options.metrics](auto& res) {
      res.status = 200;
      res.set_content(metrics->render(), std::string(kMetricsContentType));
    });
  }
}

}  // namespace

void mount_routes(httplib::Server& server, Orders& orders, const Auth& auth,
                  const RouteOptions& options) {
  const auto context = std::make_shared<const Context>(
      Context{orders, auth, options, std::make_unique<PageCache>()});
  Router router(server, context, options.prefix);
  add_order_routes(router);
  add_position_routes(router);
  router.answer_other_methods();
  if (!options.v2_prefix.empty()) {
    Router v2(server, context, options.v2_prefix);
    add_v2_routes(v2);
    v2.answer_other_methods();
  }
  mount_unauthenticated(server, *context);
}

void install_default_handlers(httplib::Server& server, std::size_t payload_max_length,
                              std::shared_ptr<Metrics> metrics) {
  server.set_payload_max_length(payload_max_length);
  using Outcome = httplib::Server::HandlerResponse;
  RouteCounter* unmatched = metrics ? &metrics->route(kUnmatchedRoute) : nullptr;
  // `metrics` rides along to keep `unmatched` alive as long as the handler.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [unmatched, metrics](const httplib::Request&, httplib::Response& res) {
        // Called for every status >= 400, the routes' own included: keep those.
        if (!res.body.empty()) return Outcome::Unhandled;
        guarded(res, [&] { send_error(res, res.status, default_message(res.status)); });
        count(unmatched, res);
        return Outcome::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        guarded(res, [&] {
          res.headers.clear();
          send_error(res, 500, kInternalError);
        });
      });
}

}  // namespace orderstate::http
