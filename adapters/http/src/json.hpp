// JSON for the HTTP adapter (private). Encoding writes records with
// rapidjson::Writer in the wire's exact key order; decoding reads a request
// body's top-level object, keeping numbers as the text the client wrote.
// Free functions over values; thread-safe.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orderstate/order.hpp"

namespace orderstate::http {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(JsonWriter& w, std::string_view s);
// The v1 (original) shape: eleven fields, status as v1_status shows it.
void write_order(JsonWriter& w, const OrderRecord& order);
// The v2 shape: v1's fields with the true status, then client_order_id,
// time_in_force, expire_at, filled_amount, remaining_amount, average_fill_price,
// pending_since, replaces, replaced_by.
void write_order_v2(JsonWriter& w, const OrderRecord& order);
void write_position(JsonWriter& w, const PositionRecord& position);
// v1 shows statuses as v1_status does; v2 the true ones.
void write_event(JsonWriter& w, const OrderEvent& event);
void write_event_v2(JsonWriter& w, const OrderEvent& event);
// A line of an account's stream (GET /api/v2/events): seq, the event's
// fields, fills_recorded, and the order as it was right after it (v2 shape).
void write_stream_event(JsonWriter& w, const StreamEvent& event);

// {"status":"error","error":<message>}
std::string error_body(std::string_view message);
// The same with one more integer member `key` (none when empty).
std::string error_body(std::string_view message, std::string_view key, std::int64_t value);

// {"status":"success","data":<what write_data writes>}
template <typename WriteData>
std::string success_body(WriteData&& write_data) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  std::forward<WriteData>(write_data)(w);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// {"count":N,"<name>":[...]} of records written by `write_one`.
template <typename Record, typename WriteOne>
void write_list(JsonWriter& w, const char* name, const std::vector<Record>& records,
                WriteOne write_one) {
  w.Key("count");
  w.Uint64(records.size());
  w.Key(name);
  w.StartArray();
  for (const Record& r : records) write_one(w, r);
  w.EndArray();
}

// {"count":N,"orders":[...],"next_cursor":"..."|null}: one page of a list.
template <typename Page, typename WriteOne>
void write_page(JsonWriter& w, const Page& page, WriteOne write_one) {
  w.StartObject();
  write_list(w, "orders", page.orders, write_one);
  w.Key("next_cursor");
  if (page.next_cursor) {
    write_string(w, *page.next_cursor);
  } else {
    w.Null();
  }
  w.EndObject();
}

enum class JsonKind { Null, Bool, Number, String, Object, Array };

// The top-level members of a JSON object body. String and number members keep
// their exact text; nested objects and arrays are known by kind only. On a
// repeated key the last one wins.
class JsonObject {
 public:
  struct Member {
    JsonKind kind = JsonKind::Null;
    std::string text;  // String: unescaped value; Number: as written; Bool: "true"/"false"
  };

  // nullopt unless `body` is one well-formed UTF-8 JSON object.
  static std::optional<JsonObject> parse(std::string_view body);

  // nullptr when absent.
  const Member* find(std::string_view key) const;

  // Adds a member; false when `key` is already there (a repeated key makes a
  // body ambiguous: it is refused at every route, never "last one wins").
  bool set(std::string key, Member member);

 private:
  std::map<std::string, Member, std::less<>> members_;
};

// A member read as text. `valid` is false when it is present with a JSON type
// the field does not take; `text` is nullopt when absent or null.
struct TextField {
  bool valid = true;
  std::optional<std::string> text;
};

// Accepts a JSON string.
TextField string_field(const JsonObject& object, std::string_view key);
// Accepts a JSON string or a JSON number (its text as written).
TextField number_field(const JsonObject& object, std::string_view key);

}  // namespace orderstate::http
