#include "api.hpp"

namespace orderstate::system_test {

Api::Api(int port, const std::string& key, int read_timeout_s)
    : client_("127.0.0.1", port), auth_{{"Authorization", "Bearer " + key}} {
  client_.set_keep_alive(true);
  client_.set_tcp_nodelay(true);
  client_.set_connection_timeout(5, 0);
  client_.set_read_timeout(read_timeout_s, 0);
  client_.set_write_timeout(5, 0);
}

Reply Api::get(const std::string& path) {
  const std::string full = path.starts_with('/') ? path : kApi + path;
  const auto res = client_.Get(full.c_str(), auth_);
  if (!res) return {};
  return {res->status, res->body};
}

Reply Api::post(const std::string& path, const std::string& body) {
  const std::string full = path.starts_with('/') ? path : kApi + path;
  const auto res = client_.Post(full.c_str(), auth_, body, "application/json");
  if (!res) return {};
  return {res->status, res->body};
}

Reply Api::cancel(const std::string& order_id) {
  return post("cancel_order", R"({"order_id":")" + order_id + "\"}");
}

namespace {

std::string value_at(const std::string& body, std::size_t at, const std::string& key) {
  if (at == std::string::npos) return {};
  const auto begin = at + key.size();
  return body.substr(begin, body.find('"', begin) - begin);
}

}  // namespace

std::string member(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  return value_at(body, body.rfind(key), key);
}

std::string first_member(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  return value_at(body, body.find(key), key);
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::int64_t seq_of(const std::string& id) {
  const auto dash = id.rfind('-');
  if (!id.starts_with("ord-") || dash == std::string::npos || dash + 1 == id.size()) return -1;
  std::int64_t seq = 0;
  for (char c : id.substr(dash + 1)) {
    if (c < '0' || c > '9') return -1;
    seq = seq * 10 + (c - '0');
  }
  return seq;
}

OrderState state_of(Api& api, const std::string& order_id) {
  OrderState s;
  const Reply order = api.order(order_id);
  if (order.status != 200) return s;
  s.order = member(order.body, "status");
  const Reply position = api.position(member(order.body, "position_id"));
  if (position.status == 200) s.position = member(position.body, "status");
  const Reply events = api.events(order_id);
  if (events.status == 200) s.cancel_events = count_of(events.body, R"("to":"CANCELED")");
  return s;
}

}  // namespace orderstate::system_test
