// Position endpoints: liquidate, liquidate_all, and the position reads.
#include <chrono>
#include <cstdint>

#include "json.hpp"
#include "orderstate/clock.hpp"
#include "orderstate/ids.hpp"
#include "orderstate/text.hpp"
#include "reply.hpp"
#include "request.hpp"
#include "router.hpp"

namespace orderstate::http {
namespace {

constexpr ErrorWords kPositionWords{.not_found = "position not found"};
constexpr ErrorWords kLiquidateWords{.not_found = "open position not found",
                                     .not_open_is_not_found = true};

void send_position(httplib::Response& res, const PositionRecord& position) {
  send_json(res, 200, success_body([&](JsonWriter& w) { write_position(w, position); }));
}

void send_positions(httplib::Response& res, const std::vector<PositionRecord>& positions) {
  send_json(res, 200, success_body([&](JsonWriter& w) {
              w.StartObject();
              write_list(w, "positions", positions, write_position);
              w.EndObject();
            }));
}

// {"position_id"} or {"symbol"}, without surrounding blanks (text.hpp's one
// rule; a blank one counts as absent); position_id wins.
void liquidate(const Call& c, httplib::Response& res) {
  const auto o = JsonObject::parse(c.body);
  if (!o) return send_error(res, 400, kInvalidPayload);
  const TextField position_field = string_field(*o, "position_id");
  const TextField symbol_field = string_field(*o, "symbol");
  if (!position_field.valid || !symbol_field.valid) return send_error(res, 400, kInvalidPayload);
  const std::string position_id(trim_blanks(position_field.text.value_or("")));
  const std::string symbol(trim_blanks(symbol_field.text.value_or("")));
  if (position_id.empty() && symbol.empty()) {
    return send_error(res, 400, "position_id or symbol is required");
  }
  if (!position_id.empty() && !parse_id(IdKind::Position, position_id)) {
    return send_error(res, 404, kLiquidateWords.not_found);  // looked up, never found
  }
  const auto position = position_id.empty() ? c.ctx.orders.liquidate_symbol(c.account, symbol)
                                            : c.ctx.orders.liquidate(c.account, position_id);
  if (!position.ok()) return fail(c, res, position.error(), kLiquidateWords);
  send_position(res, *position);
}

void liquidate_all(const Call& c, httplib::Response& res) {
  std::optional<std::string> symbol;
  if (!decode_symbol_filter(c.body, symbol)) return send_error(res, 400, kInvalidPayload);
  const auto positions = c.ctx.orders.liquidate_all(c.account, symbol);
  if (!positions.ok()) return fail(c, res, positions.error(), kPositionWords);
  send_positions(res, *positions);
}

// ?status= in any case; false when it names no position status.
bool decode_status(const httplib::Request& req, std::optional<PositionStatus>& status) {
  const std::string s = req.get_param_value("status");
  if (s.empty()) return true;
  status = parse_position_status(to_upper(s));
  return status.has_value();
}

void list_positions(const Call& c, httplib::Response& res) {
  std::optional<PositionStatus> status;
  if (!decode_status(c.req, status)) return send_error(res, 400, "invalid status filter");
  const auto positions = c.ctx.orders.list_positions(c.account, status);
  if (!positions.ok()) return fail(c, res, positions.error(), kPositionWords);
  send_positions(res, *positions);
}

std::int64_t now_ns(const Context& ctx) {
  if (ctx.options.now_ns) return ctx.options.now_ns();
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
}

void positions_snapshot(const Call& c, httplib::Response& res) {
  const std::int64_t ns = now_ns(c.ctx);
  const auto positions = c.ctx.orders.list_positions(c.account, std::nullopt);
  if (!positions.ok()) return fail(c, res, positions.error(), kPositionWords);
  std::uint64_t open = 0;
  for (const PositionRecord& p : *positions) open += p.status == PositionStatus::Open ? 1 : 0;
  send_json(res, 200, success_body([&](JsonWriter& w) {
              w.StartObject();
              w.Key("snapshot_id");
              write_string(w, "snap-" + std::to_string(ns));
              w.Key("timestamp");
              write_string(w, format_rfc3339(ns / 1'000'000'000));
              w.Key("total_positions");
              w.Uint64(positions->size());
              w.Key("open_positions");
              w.Uint64(open);
              w.Key("closed_positions");
              w.Uint64(positions->size() - open);
              w.Key("positions");
              w.StartArray();
              for (const PositionRecord& p : *positions) write_position(w, p);
              w.EndArray();
              w.EndObject();
            }));
}

void get_position(const Call& c, httplib::Response& res) {
  const std::string id = c.req.matches[1];
  if (!parse_id(IdKind::Position, id)) return send_error(res, 404, kPositionWords.not_found);
  const auto position = c.ctx.orders.get_position(c.account, id);
  if (!position.ok()) return fail(c, res, position.error(), kPositionWords);
  send_position(res, *position);
}

}  // namespace

void add_position_routes(Router& router) {
  router.post("liquidate", "liquidate", liquidate);
  router.post("liquidate_all", "liquidate_all", liquidate_all);
  router.get("positions", "positions", list_positions);
  // Before the {position_id} pattern, which would match it too.
  router.get("positions/snapshot", "positions/snapshot", positions_snapshot);
  router.get("positions/([^/]+)", "positions/{position_id}", get_position);
}

}  // namespace orderstate::http
