// Api: a keep-alive HTTP client for one server and one key, with the calls
// the system tests make, and the few JSON probes they need. One object per
// thread (httplib::Client is not shared).
#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>

#include "server_process.hpp"

namespace orderstate::system_test {

inline const std::string kApi = "/api/v1/trading/";
inline const std::string kPlaceBody = R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY",)"
                                      R"("type":"LIMIT","amount":"0.01","price":"50000.00"})";
inline const std::string kNotOpen = R"({"status":"error","error":"order is not open"})";
inline const std::string kUnavailable = R"({"status":"error","error":"storage unavailable"})";

struct Reply {
  int status = -1;  // -1: no answer (connection refused, reset, timed out)
  std::string body;
};

class Api {
 public:
  explicit Api(int port, const std::string& key = kKey, int read_timeout_s = 15);

  // `path` is relative to /api/v1/trading/ unless it starts with '/'.
  Reply get(const std::string& path);
  Reply post(const std::string& path, const std::string& body);

  Reply place(const std::string& body = kPlaceBody) { return post("place_order", body); }
  Reply cancel(const std::string& order_id);
  Reply order(const std::string& order_id) { return get("orders/" + order_id); }
  Reply events(const std::string& order_id) { return get("orders/" + order_id + "/events"); }
  Reply position(const std::string& position_id) { return get("positions/" + position_id); }

 private:
  httplib::Client client_;
  httplib::Headers auth_;
};

// The value of the last `"name":"..."` in a JSON body: the record's own
// member when an envelope holds one record. Empty when absent.
std::string member(const std::string& body, const std::string& name);
// The value of the first `"name":"..."` (for place_order: the order's).
std::string first_member(const std::string& body, const std::string& name);
// How often `needle` occurs in `text`.
int count_of(const std::string& text, const std::string& needle);
// The sequence of "ord-YYYYMMDDHHMMSS-<seq>"; -1 when malformed.
std::int64_t seq_of(const std::string& id);

// What the server now says about one order: its status, its position's
// status, and how many CANCELED events its journal holds. Empty strings and
// -1 when a read failed.
struct OrderState {
  std::string order;
  std::string position;
  int cancel_events = -1;
};
OrderState state_of(Api& api, const std::string& order_id);

}  // namespace orderstate::system_test
