// The v2 routes (/api/v2/...): orderstate's full model. The same envelope,
// keys and accounts as v1; orders in the v2 shape (json.hpp write_order_v2)
// with their true status; service messages for invalid values answered
// verbatim (they are written for clients).
#include <algorithm>
#include <charconv>
#include <limits>

#include "json.hpp"
#include "orderstate/decimal.hpp"
#include "orderstate/ids.hpp"
#include "orderstate/state_machine.hpp"
#include "reply.hpp"
#include "request.hpp"
#include "router.hpp"

namespace orderstate::http {
namespace {

constexpr ErrorWords kWords{.not_found = "order not found", .show_invalid_message = true};
// A report the order's status does not take (a REJECTED for a partially
// filled order, a TRADE for a FILLED one...): not "order is not open".
constexpr ErrorWords kReportWords{.not_found = "order not found",
                                  .not_open = "execution report does not apply to the order",
                                  .show_invalid_message = true};

void send_order(httplib::Response& res, int status, const OrderRecord& order) {
  send_json(res, status, success_body([&](JsonWriter& w) {
              w.StartObject();
              w.Key("order");
              write_order_v2(w, order);
              w.EndObject();
            }));
}

// A string member: absent or null leaves `out` alone; another JSON type fails.
bool optional_string(const JsonObject& o, std::string_view key, std::optional<std::string>& out) {
  const TextField f = string_field(o, key);
  if (f.valid && f.text) out = *f.text;
  return f.valid;
}

// A decimal member, as a JSON string or number (kept as written).
bool optional_decimal(const JsonObject& o, std::string_view key, std::string& out) {
  const TextField f = number_field(o, key);
  if (f.valid && f.text) out = *f.text;
  return f.valid;
}

// A boolean member: absent or null leaves `out` alone; another JSON type fails.
bool optional_bool(const JsonObject& o, std::string_view key, bool& out) {
  const JsonObject::Member* m = o.find(key);
  if (m == nullptr || m->kind == JsonKind::Null) return true;
  if (m->kind != JsonKind::Bool) return false;
  out = m->text == "true";
  return true;
}

// "30s", "5m", "2h" or plain seconds, 1..604800; nullopt otherwise.
std::optional<std::int64_t> parse_age(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (s.back()) {
    case 's':
      s.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      s.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      s.remove_suffix(1);
      break;
    default:
      break;
  }
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < 1 || n > 604800 / unit) {
    return std::nullopt;
  }
  return n * unit;
}

// The order id in the path; false (404 sent) when it cannot be one.
bool path_order_id(const Call& c, httplib::Response& res, std::string& id) {
  id = c.req.matches[1];
  if (parse_id(IdKind::Order, id)) return true;
  send_error(res, 404, kWords.not_found);
  return false;
}

void place(const Call& c, httplib::Response& res) {
  const auto o = JsonObject::parse(c.body);
  if (!o) return send_error(res, 400, kInvalidPayload);
  PlaceRequest r;
  std::optional<std::string> exchange, symbol, side, type, tif;
  const bool well_formed =
      optional_string(*o, "exchange", exchange) && optional_string(*o, "symbol", symbol) &&
      optional_string(*o, "side", side) && optional_string(*o, "type", type) &&
      optional_decimal(*o, "amount", r.amount) && optional_decimal(*o, "price", r.price) &&
      optional_string(*o, "client_order_id", r.client_order_id) &&
      optional_string(*o, "time_in_force", tif) && optional_string(*o, "expire_at", r.expire_at) &&
      optional_bool(*o, "pending", r.pending);
  if (!well_formed || !exchange || !symbol || !side || r.amount.empty()) {
    return send_error(res, 400, kInvalidPayload);
  }
  r.exchange = *exchange;
  r.symbol = *symbol;
  r.side = *side;
  r.type = type.value_or("");
  r.time_in_force = tif.value_or("");
  const auto placed = c.ctx.orders.place(c.account, r);
  if (!placed.ok()) return fail(c, res, placed.error(), kWords);
  send_json(res, placed->replayed ? 200 : 201, success_body([&](JsonWriter& w) {
              w.StartObject();
              w.Key("order");
              write_order_v2(w, placed->order);
              w.Key("position");
              write_position(w, placed->position);
              w.EndObject();
            }));
}

// ?status=A,B&symbol=&limit=&cursor=. Returns what is wrong, or "". A
// parameter given twice is refused, not read as its first or last value.
std::string_view decode_query(const httplib::Request& req, OrderQuery& q) {
  for (const char* key : {"status", "symbol", "limit", "cursor", "older_than"}) {
    if (req.get_param_value_count(key) > 1) return "repeated query parameter";
  }
  if (const std::string s = req.get_param_value("status"); !s.empty()) {
    std::string_view rest = s;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto status = parse_order_status(to_upper(rest.substr(0, comma)));
      if (!status) return "invalid status filter";
      q.statuses.push_back(*status);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (comma != std::string_view::npos && rest.empty()) return "invalid status filter";
    }
  }
  if (std::string s = req.get_param_value("symbol"); !s.empty()) q.symbol = std::move(s);
  if (const std::string s = req.get_param_value("limit"); !s.empty()) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), q.limit);
    if (ec != std::errc() || end != s.data() + s.size()) return "invalid limit";
  }
  if (std::string s = req.get_param_value("cursor"); !s.empty()) q.cursor = std::move(s);
  return {};
}

// ?older_than=30s[&status=PENDING_NEW][&limit=]: the in-flight orders whose
// intent is at least that old, oldest first (Orders::in_flight).
void list_in_flight(const Call& c, httplib::Response& res, const OrderQuery& query) {
  const auto age = parse_age(c.req.get_param_value("older_than"));
  if (!age) return send_error(res, 400, "invalid older_than");
  if (query.symbol) return send_error(res, 400, "older_than takes no symbol filter");
  for (OrderStatus s : query.statuses) {
    if (!is_in_flight(s)) {
      return send_error(
          res, 400, "older_than lists only PENDING_NEW, PENDING_CANCEL and PENDING_REPLACE orders");
    }
  }
  auto page = c.ctx.orders.in_flight(c.account, *age, query.limit, query.cursor);
  if (!page.ok()) return fail(c, res, page.error(), kWords);
  // A status filter narrows the page; the cursor still follows every order.
  if (!query.statuses.empty()) {
    std::erase_if(page->orders, [&](const OrderRecord& o) {
      return std::find(query.statuses.begin(), query.statuses.end(), o.status) ==
             query.statuses.end();
    });
  }
  send_json(res, 200, success_body([&](JsonWriter& w) { write_page(w, *page, write_order_v2); }));
}

void list(const Call& c, httplib::Response& res) {
  OrderQuery query;
  if (const std::string_view problem = decode_query(c.req, query); !problem.empty()) {
    return send_error(res, 400, problem);
  }
  if (c.req.has_param("older_than")) return list_in_flight(c, res, query);
  const auto page = c.ctx.orders.list_orders(c.account, query);
  if (!page.ok()) return fail(c, res, page.error(), kWords);
  send_json(res, 200, success_body([&](JsonWriter& w) { write_page(w, *page, write_order_v2); }));
}

void get(const Call& c, httplib::Response& res) {
  std::string id;
  if (!path_order_id(c, res, id)) return;
  const auto order = c.ctx.orders.get_order(c.account, id);
  if (!order.ok()) return fail(c, res, order.error(), kWords);
  send_order(res, 200, *order);
}

void events(const Call& c, httplib::Response& res) {
  std::string id;
  if (!path_order_id(c, res, id)) return;
  const auto events = c.ctx.orders.history(c.account, id);
  if (!events.ok()) return fail(c, res, events.error(), kWords);
  send_json(res, 200, success_body([&](JsonWriter& w) {
              w.StartObject();
              write_list(w, "events", *events, write_event_v2);
              w.EndObject();
            }));
}

// A cancel takes no body; an empty object is accepted too.
bool empty_body(const Call& c) {
  return c.body.empty() || JsonObject::parse(c.body).has_value();
}

void cancel(const Call& c, httplib::Response& res) {
  std::string id;
  if (!path_order_id(c, res, id)) return;
  if (!empty_body(c)) return send_error(res, 400, kInvalidPayload);
  const auto order = c.ctx.orders.cancel(c.account, id);
  if (!order.ok()) return fail(c, res, order.error(), kWords);
  send_order(res, 200, *order);
}

// {"amount","price","new_client_order_id","expect_filled_amount","pending"},
// each optional.
void replace(const Call& c, httplib::Response& res) {
  std::string id;
  if (!path_order_id(c, res, id)) return;
  const auto o = JsonObject::parse(c.body);
  if (!o) return send_error(res, 400, kInvalidPayload);
  ReplaceRequest r;
  std::string amount, price, expect;
  const bool well_formed = optional_decimal(*o, "amount", amount) &&
                           optional_decimal(*o, "price", price) &&
                           optional_decimal(*o, "expect_filled_amount", expect) &&
                           optional_string(*o, "new_client_order_id", r.new_client_order_id) &&
                           optional_bool(*o, "pending", r.pending);
  if (!well_formed) return send_error(res, 400, kInvalidPayload);
  for (auto [text, field] : {std::pair{&amount, &r.amount}, std::pair{&price, &r.price},
                             std::pair{&expect, &r.expect_filled_amount}}) {
    if (text->empty()) continue;
    if (!Decimal::parse(*text)) return send_error(res, 400, kInvalidPayload);
    *field = *text;
  }
  const auto replaced = c.ctx.orders.replace(c.account, id, r);
  if (!replaced.ok()) return fail(c, res, replaced.error(), kWords);
  send_json(res, 200, success_body([&](JsonWriter& w) {
              w.StartObject();
              w.Key("order");
              write_order_v2(w, replaced->order);
              w.Key("replaced");
              write_order_v2(w, replaced->replaced);
              w.Key("position");
              write_position(w, replaced->position);
              w.EndObject();
            }));
}

void cancel_request(const Call& c, httplib::Response& res) {
  std::string id;
  if (!path_order_id(c, res, id)) return;
  if (!empty_body(c)) return send_error(res, 400, kInvalidPayload);
  const auto order = c.ctx.orders.request_cancel(c.account, id);
  if (!order.ok()) return fail(c, res, order.error(), kWords);
  send_order(res, 200, *order);
}

void cancel_by_client_id(const Call& c, httplib::Response& res) {
  const std::string client_order_id = c.req.matches[1];
  if (!empty_body(c)) return send_error(res, 400, kInvalidPayload);
  const auto order = c.ctx.orders.cancel_by_client_id(c.account, client_order_id);
  if (!order.ok()) return fail(c, res, order.error(), kWords);
  send_order(res, 200, *order);
}

// {"exec_id","kind","last_amount","last_price","at"}: the order is the path's.
void execution(const Call& c, httplib::Response& res) {
  std::string id;
  if (!path_order_id(c, res, id)) return;
  const auto o = JsonObject::parse(c.body);
  if (!o) return send_error(res, 400, kInvalidPayload);
  ExecutionReport r;
  r.order_id = id;
  std::optional<std::string> exec_id, kind;
  const bool well_formed =
      optional_string(*o, "exec_id", exec_id) && optional_string(*o, "kind", kind) &&
      optional_decimal(*o, "last_amount", r.last_amount) &&
      optional_decimal(*o, "last_price", r.last_price) && optional_string(*o, "at", r.at);
  const auto parsed_kind = kind ? parse_exec_kind(*kind) : std::nullopt;
  if (!well_formed || !exec_id || !parsed_kind) return send_error(res, 400, kInvalidPayload);
  r.exec_id = *exec_id;
  r.kind = *parsed_kind;
  const auto applied = c.ctx.orders.apply_execution(c.account, r);
  if (!applied.ok()) return fail(c, res, applied.error(), kReportWords);
  send_json(res, 200, success_body([&](JsonWriter& w) {
              w.StartObject();
              w.Key("order");
              write_order_v2(w, applied->order);
              w.Key("replayed");
              w.Bool(applied->replayed);
              w.EndObject();
            }));
}

// A query integer in [low, high]; nullopt when absent (use the default) or
// `bad` set when malformed or out of range.
std::optional<std::int64_t> query_int(const httplib::Request& req, const char* key,
                                      std::int64_t low, std::int64_t high, bool& bad) {
  if (!req.has_param(key)) return std::nullopt;
  const std::string s = req.get_param_value(key);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < low || v > high) bad = true;
  return v;
}

// The query of an events route read strictly from the request-target as
// sent (cpp-httplib splits on ';' too and keeps the text after a second
// '='): each of `keys` at most once, as key=value with one '=' and no ';'.
// The 400 message, or empty. Other keys are not looked at.
std::string_view strict_query(const httplib::Request& req,
                              std::initializer_list<std::pair<std::string_view, std::string_view>>
                                  keys /* key, message for a malformed value */) {
  const auto q = req.target.find('?');
  if (q == std::string::npos) return {};
  std::string_view rest = std::string_view(req.target).substr(q + 1);
  std::vector<std::string_view> seen;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::string_view key = part.substr(0, part.find_first_of("=;"));
    for (const auto& [name, message] : keys) {
      if (key != name) continue;
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return "repeated query parameter";
      }
      seen.push_back(key);
      const std::string_view value = part.substr(std::min(part.size(), key.size() + 1));
      if (part.size() == key.size() || part[key.size()] != '=' ||
          value.find_first_of("=;") != std::string_view::npos) {
        return message;
      }
    }
  }
  return {};
}

// GET events?after=SEQ&limit=N&wait=S: the account's stream after SEQ;
// with wait, a long poll: nothing yet waits up to S seconds for the next
// commit (parked at the edge when it can, RouteOptions::park).
void stream_events(const Call& c, httplib::Response& res) {
  const std::string_view problem =
      strict_query(c.req, {{"after", "invalid after"},
                           {"limit", "limit must be between 1 and 1000"},
                           {"wait", "wait must be between 0 and 30 seconds"}});
  if (!problem.empty()) return send_error(res, 400, problem);
  bool bad_after = false, bad_limit = false, bad_wait = false;
  const std::int64_t after =
      query_int(c.req, "after", 0, std::numeric_limits<std::int64_t>::max(), bad_after).value_or(0);
  const int limit = static_cast<int>(query_int(c.req, "limit", 1, 1000, bad_limit).value_or(100));
  const auto wait = std::chrono::seconds(query_int(c.req, "wait", 0, 30, bad_wait).value_or(0));
  if (bad_after) return send_error(res, 400, "invalid after");
  if (bad_limit) return send_error(res, 400, "limit must be between 1 and 1000");
  if (bad_wait) return send_error(res, 400, "wait must be between 0 and 30 seconds");
  EventBus& bus = c.ctx.orders.events();
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const auto page_body = [&](const EventPage& page) {
    return success_body([&](JsonWriter& w) {
      w.StartObject();
      write_list(w, "events", page.events, write_stream_event);
      w.Key("next_after");
      w.Int64(page.next_after);
      w.EndObject();
    });
  };
  while (true) {
    // The generation first: a commit after this read wakes the wait below.
    const std::uint64_t generation = bus.generation(c.account);
    std::optional<Error> error;
    const std::string key = c.account + '\n' + std::to_string(after) + '\n' +
                            std::to_string(limit) + '\n' + std::to_string(generation);
    const PageCache::Body body = c.ctx.pages->get(key, [&]() -> PageCache::Body {
      auto page = c.ctx.orders.events_since(c.account, after, limit);
      if (!page.ok()) {
        error = page.error();
        return nullptr;
      }
      if (page->events.empty()) return nullptr;
      return std::make_shared<const std::string>(page_body(*page));
    });
    if (error) return fail(c, res, *error, kWords);
    if (body) return send_json(res, 200, *body);
    // Nothing after `after` yet.
    const auto now = std::chrono::steady_clock::now();
    if (now < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      if (c.ctx.options.park && c.ctx.options.park(c.account, generation, left)) {
        res.status = kParked;
        return;
      }
      if (!c.ctx.options.park) {
        // This thread waits; at most a second at a time (other processes'
        // commits are not published here).
        bus.wait(c.account, generation, std::min(deadline, now + std::chrono::seconds(1)));
        continue;
      }
    }
    return send_json(res, 200, page_body(EventPage{{}, after}));
  }
}

// GET events/stream?after=SEQ: the stream as Server-Sent Events, one event
// per journal entry with `id: <seq>`, so Last-Event-ID (which wins over
// ?after=) resumes exactly.
void sse(const Call& c, httplib::Response& res) {
  std::int64_t after = 0;
  bool bad = false;
  const std::string_view problem = strict_query(c.req, {{"after", "invalid after"}});
  if (!problem.empty()) return send_error(res, 400, problem);
  const std::string resume = c.req.get_header_value("Last-Event-ID");
  if (!resume.empty() || c.req.has_header("Last-Event-ID")) {
    const auto [end, ec] = std::from_chars(resume.data(), resume.data() + resume.size(), after);
    bad = ec != std::errc() || end != resume.data() + resume.size() || after < 0;
  } else {
    after = query_int(c.req, "after", 0, std::numeric_limits<std::int64_t>::max(), bad).value_or(0);
  }
  if (bad) return send_error(res, 400, "invalid after");
  const std::uint64_t generation = c.ctx.orders.events().generation(c.account);
  const auto page = c.ctx.orders.events_since(c.account, after, kMaxListLimit);
  if (!page.ok()) return fail(c, res, page.error(), kWords);
  std::string body;
  for (const StreamEvent& e : page->events) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    write_stream_event(w, e);
    body.append("id: ").append(std::to_string(e.seq)).append("\ndata: ");
    body.append(buffer.GetString(), buffer.GetSize()).append("\n\n");
  }
  const Streaming streaming = c.ctx.options.stream
                                  ? c.ctx.options.stream(c.account, generation, page->next_after)
                                  : Streaming::No;
  if (streaming == Streaming::No) body.insert(0, "retry: 1000\n\n");
  if (streaming == Streaming::Continued && body.empty()) {
    res.status = kParked;  // nothing to send, nothing to log
    return;
  }
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_content(body, "text/event-stream");
}

}  // namespace

void add_v2_routes(Router& router) {
  router.get("events", "events", stream_events);
  router.get("events/stream", "events/stream", sse);
  router.post("orders", "orders", place);
  router.get("orders", "orders", list);
  router.get("orders/([^/]+)", "orders/{order_id}", get);
  router.get("orders/([^/]+)/events", "orders/{order_id}/events", events);
  router.post("orders/by-client-id/([^/]+)/cancel", "orders/by-client-id/{client_order_id}/cancel",
              cancel_by_client_id);
  router.post("orders/([^/]+)/cancel", "orders/{order_id}/cancel", cancel);
  router.post("orders/([^/]+)/cancel_request", "orders/{order_id}/cancel_request", cancel_request);
  router.post("orders/([^/]+)/replace", "orders/{order_id}/replace", replace);
  router.post("orders/([^/]+)/executions", "orders/{order_id}/executions", execution);
}

}  // namespace orderstate::http
