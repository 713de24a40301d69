// Order endpoints: place_order, cancel_order, cancel_all, and the order reads.
#include <charconv>
#include <chrono>

#include "json.hpp"
#include "orderstate/decimal.hpp"
#include "orderstate/ids.hpp"
#include "orderstate/state_machine.hpp"
#include "reply.hpp"
#include "request.hpp"
#include "router.hpp"

namespace orderstate::http {
namespace {

constexpr ErrorWords kOrderWords{.not_found = "order not found"};
// place_order answers the service's InvalidArgument messages verbatim (the
// original's wording); the order list's are about its query string.
constexpr ErrorWords kPlaceWords{.not_found = "order not found", .show_invalid_message = true};
constexpr ErrorWords kListWords = kPlaceWords;

using FieldReader = TextField (*)(const JsonObject&, std::string_view);

// Required: present, of a JSON type `read` takes, non-empty.
bool take_required(FieldReader read, const JsonObject& o, std::string_view key, std::string& out) {
  const TextField f = read(o, key);
  if (!f.valid || !f.text || f.text->empty()) return false;
  out = *f.text;
  return true;
}

// Optional: absent or null leaves `out` alone; a JSON type `read` refuses fails.
bool take_optional(FieldReader read, const JsonObject& o, std::string_view key, std::string& out) {
  const TextField f = read(o, key);
  if (f.valid && f.text) out = *f.text;
  return f.valid;
}

// The payload-level checks; the service validates the values themselves.
// amount and price may be JSON strings or numbers (kept as written).
std::optional<PlaceRequest> decode_place(const std::string& body) {
  const auto o = JsonObject::parse(body);
  if (!o) return std::nullopt;
  PlaceRequest r;
  std::string client_order_id;
  const bool well_formed = take_required(string_field, *o, "exchange", r.exchange) &&
                           take_required(string_field, *o, "symbol", r.symbol) &&
                           take_required(string_field, *o, "side", r.side) &&
                           take_required(number_field, *o, "amount", r.amount) &&
                           take_optional(string_field, *o, "type", r.type) &&
                           take_optional(number_field, *o, "price", r.price) &&
                           take_optional(string_field, *o, "client_order_id", client_order_id);
  if (!well_formed || !Decimal::parse(r.amount) || (!r.price.empty() && !Decimal::parse(r.price))) {
    return std::nullopt;
  }
  if (!client_order_id.empty()) r.client_order_id = std::move(client_order_id);
  return r;
}

void place_order(const Call& c, httplib::Response& res) {
  const auto request = decode_place(c.body);
  if (!request) return send_error(res, 400, kInvalidPayload);
  const auto placed = c.ctx.orders.place(c.account, *request);
  if (!placed.ok()) return fail(c, res, placed.error(), kPlaceWords);
  send_json(res, placed->replayed ? 200 : 201, success_body([&](JsonWriter& w) {
              w.StartObject();
              w.Key("order");
              write_order(w, placed->order);
              w.Key("position");
              write_position(w, placed->position);
              w.EndObject();
            }));
}

void cancel_order(const Call& c, httplib::Response& res) {
  const auto o = JsonObject::parse(c.body);
  const TextField id = o ? string_field(*o, "order_id") : TextField{false, std::nullopt};
  if (!id.valid || !id.text || !parse_id(IdKind::Order, *id.text)) {
    return send_error(res, 400, kInvalidPayload);
  }
  const auto started = std::chrono::steady_clock::now();
  const auto order = c.ctx.orders.cancel(c.account, *id.text);
  if (c.ctx.options.metrics) {
    c.ctx.options.metrics->record_cancel(std::chrono::steady_clock::now() - started);
  }
  if (!order.ok()) return fail(c, res, order.error(), kOrderWords);
  send_json(res, 200, success_body([&](JsonWriter& w) { write_order(w, *order); }));
}

void cancel_all(const Call& c, httplib::Response& res) {
  std::optional<std::string> symbol;
  if (!decode_symbol_filter(c.body, symbol)) return send_error(res, 400, kInvalidPayload);
  const auto orders = c.ctx.orders.cancel_all(c.account, symbol);
  if (!orders.ok()) return fail(c, res, orders.error(), kOrderWords);
  send_json(res, 200, success_body([&](JsonWriter& w) {
              w.StartObject();
              write_list(w, "orders", *orders, write_order);
              w.EndObject();
            }));
}

// GET orders?status=&symbol=&limit=&cursor=. Returns what is wrong, or "".
std::string_view decode_query(const httplib::Request& req, OrderQuery& q) {
  if (const std::string s = req.get_param_value("status"); !s.empty()) {
    // v1 knows four statuses; each stands for those v1_status shows as it.
    const auto status = parse_order_status(to_upper(s));
    if (!status || v1_status(*status) != *status) return "invalid status filter";
    const auto shown = statuses_shown_as(*status);
    q.statuses.assign(shown.begin(), shown.end());
  }
  if (std::string s = req.get_param_value("symbol"); !s.empty()) q.symbol = std::move(s);
  if (const std::string s = req.get_param_value("limit"); !s.empty()) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), q.limit);
    if (ec != std::errc() || end != s.data() + s.size()) return "invalid limit";
  }
  if (std::string s = req.get_param_value("cursor"); !s.empty()) q.cursor = std::move(s);
  return {};
}

void list_orders(const Call& c, httplib::Response& res) {
  OrderQuery query;
  if (const std::string_view problem = decode_query(c.req, query); !problem.empty()) {
    return send_error(res, 400, problem);
  }
  const auto page = c.ctx.orders.list_orders(c.account, query);
  if (!page.ok()) return fail(c, res, page.error(), kListWords);
  send_json(res, 200, success_body([&](JsonWriter& w) { write_page(w, *page, write_order); }));
}

void get_order(const Call& c, httplib::Response& res) {
  const std::string id = c.req.matches[1];
  if (!parse_id(IdKind::Order, id)) return send_error(res, 404, kOrderWords.not_found);
  const auto order = c.ctx.orders.get_order(c.account, id);
  if (!order.ok()) return fail(c, res, order.error(), kOrderWords);
  send_json(res, 200, success_body([&](JsonWriter& w) { write_order(w, *order); }));
}

void order_events(const Call& c, httplib::Response& res) {
  const std::string id = c.req.matches[1];
  if (!parse_id(IdKind::Order, id)) return send_error(res, 404, kOrderWords.not_found);
  const auto events = c.ctx.orders.history(c.account, id);
  if (!events.ok()) return fail(c, res, events.error(), kOrderWords);
  send_json(res, 200, success_body([&](JsonWriter& w) {
              w.StartObject();
              write_list(w, "events", *events, write_event);
              w.EndObject();
            }));
}

}  // namespace

void add_order_routes(Router& router) {
  router.post("place_order", "place_order", place_order);
  router.post("cancel_order", "cancel_order", cancel_order);
  router.post("cancel_all", "cancel_all", cancel_all);
  router.get("orders", "orders", list_orders);
  router.get("orders/([^/]+)", "orders/{order_id}", get_order);
  router.get("orders/([^/]+)/events", "orders/{order_id}/events", order_events);
}

}  // namespace orderstate::http
