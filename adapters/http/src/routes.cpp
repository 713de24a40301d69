// mount_routes and install_default_handlers: the adapter's two entry points.
#include "orderstate/http/routes.hpp"

#include <memory>

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

void mount_health(httplib::Server& server, std::function<bool()> probe) {
  server.Get("/healthz",
             [probe = std::move(probe)](const httplib::Request&, httplib::Response& res) {
               guarded(res, [&] {
                 if (probe()) return send_json(res, 200, R"({"status":"ok"})");
                 send_error(res, 503, kStorageUnavailable);
               });
             });
}

}  // namespace

void mount_routes(httplib::Server& server, Orders& orders, const Auth& auth,
                  const RouteOptions& options) {
  Router router(server, std::make_shared<const Context>(Context{orders, auth, options}));
  add_order_routes(router);
  add_position_routes(router);
  router.answer_other_methods();
  if (options.health) mount_health(server, options.health);
}

void install_default_handlers(httplib::Server& server, std::size_t payload_max_length) {
  server.set_payload_max_length(payload_max_length);
  using Outcome = httplib::Server::HandlerResponse;
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        // Called for every status >= 400, the routes' own included: keep those.
        if (!res.body.empty()) return Outcome::Unhandled;
        guarded(res, [&] { send_error(res, res.status, default_message(res.status)); });
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
