#include "json.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "orderstate/state_machine.hpp"
#include "orderstate/text.hpp"

namespace orderstate::http {
namespace {

void write_member(JsonWriter& w, const char* key, std::string_view value) {
  w.Key(key);
  write_string(w, value);
}

// SAX handler collecting the members of a root object. Any other root stops
// the parse (returning false ends it with an error).
class TopLevelHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TopLevelHandler> {
 public:
  explicit TopLevelHandler(JsonObject& out) : out_(out) {}

  bool Null() { return scalar(JsonKind::Null, {}); }
  bool Bool(bool b) { return scalar(JsonKind::Bool, b ? "true" : "false"); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return scalar(JsonKind::Number, {s, n});
  }
  // RapidJSON 1.1 decodes a lone "\udc00" escape to a surrogate's bytes,
  // which are not UTF-8: every string and key is checked once decoded.
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return is_valid_utf8({s, n}) && scalar(JsonKind::String, {s, n});
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ == 1) key_.assign(s, n);
    return is_valid_utf8({s, n});
  }
  bool StartObject() { return open(JsonKind::Object); }
  bool StartArray() { return depth_ > 0 && open(JsonKind::Array); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool EndArray(rapidjson::SizeType) { return close(); }
  // With kParseNumbersAsStringsFlag every number arrives as RawNumber.
  bool Default() { return false; }

 private:
  bool scalar(JsonKind kind, std::string_view text) {
    if (depth_ == 0) return false;
    return depth_ > 1 || out_.set(key_, {kind, std::string(text)});
  }
  bool open(JsonKind kind) {
    if (depth_ == 1 && !out_.set(key_, {kind, {}})) return false;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  JsonObject& out_;
  int depth_ = 0;
  std::string key_;
};

}  // namespace

void write_string(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

namespace {

void write_optional(JsonWriter& w, const char* key, const std::optional<std::string>& value) {
  w.Key(key);
  if (value) {
    write_string(w, *value);
  } else {
    w.Null();
  }
}

// The original's eleven fields, in its order; `status` as given.
void write_order_fields(JsonWriter& w, const OrderRecord& o, OrderStatus status) {
  write_member(w, "order_id", o.order_id);
  write_member(w, "position_id", o.position_id);
  write_member(w, "exchange", o.exchange);
  write_member(w, "symbol", o.symbol);
  write_member(w, "side", to_string(o.side));
  write_member(w, "type", to_string(o.type));
  write_member(w, "amount", o.amount.text());
  write_member(w, "price", o.price.text());
  write_member(w, "status", to_string(status));
  write_member(w, "created_at", o.created_at);
  write_member(w, "updated_at", o.updated_at);
}

}  // namespace

void write_order(JsonWriter& w, const OrderRecord& o) {
  w.StartObject();
  write_order_fields(w, o, v1_status(o.status));
  w.EndObject();
}

void write_order_v2(JsonWriter& w, const OrderRecord& o) {
  w.StartObject();
  write_order_fields(w, o, o.status);
  write_optional(w, "client_order_id", o.client_order_id);
  write_member(w, "time_in_force", to_string(o.time_in_force));
  write_optional(w, "expire_at", o.expire_at);
  write_member(w, "filled_amount", o.filled_amount.text());
  write_member(w, "remaining_amount", remaining_amount(o).text());
  write_optional(w, "average_fill_price",
                 o.average_fill_price ? std::optional(o.average_fill_price->text()) : std::nullopt);
  write_optional(w, "pending_since", o.pending_since);
  write_optional(w, "replaces", o.replaces);
  write_optional(w, "replaced_by", o.replaced_by);
  w.EndObject();
}

void write_position(JsonWriter& w, const PositionRecord& p) {
  w.StartObject();
  write_member(w, "position_id", p.position_id);
  write_member(w, "order_id", p.order_id);
  write_member(w, "exchange", p.exchange);
  write_member(w, "symbol", p.symbol);
  write_member(w, "side", to_string(p.side));
  write_member(w, "size", p.size.text());
  write_member(w, "entry_price", p.entry_price.text());
  write_member(w, "status", to_string(p.status));
  write_member(w, "opened_at", p.opened_at);
  write_member(w, "updated_at", p.updated_at);
  w.EndObject();
}

namespace {

void write_event_as(JsonWriter& w, const OrderEvent& e, OrderStatus (*shown)(OrderStatus)) {
  w.StartObject();
  write_member(w, "order_id", e.order_id);
  w.Key("from");
  if (e.from) {
    write_string(w, to_string(shown(*e.from)));
  } else {
    w.Null();
  }
  write_member(w, "to", to_string(shown(e.to)));
  write_member(w, "at", e.at);
  write_member(w, "reason", e.reason);
  w.EndObject();
}

OrderStatus true_status(OrderStatus s) {
  return s;
}

}  // namespace

void write_event(JsonWriter& w, const OrderEvent& e) {
  write_event_as(w, e, v1_status);
}

void write_event_v2(JsonWriter& w, const OrderEvent& e) {
  write_event_as(w, e, true_status);
}

void write_stream_event(JsonWriter& w, const StreamEvent& e) {
  w.StartObject();
  w.Key("seq");
  w.Int64(e.seq);
  write_member(w, "order_id", e.event.order_id);
  w.Key("from");
  if (e.event.from) {
    write_string(w, to_string(*e.event.from));
  } else {
    w.Null();
  }
  write_member(w, "to", to_string(e.event.to));
  write_member(w, "at", e.event.at);
  write_member(w, "reason", e.event.reason);
  w.Key("fills_recorded");
  w.Bool(e.fills_known);
  w.Key("order");
  write_order_v2(w, e.order);
  w.EndObject();
}

std::string error_body(std::string_view message) {
  return error_body(message, {}, 0);
}

std::string error_body(std::string_view message, std::string_view key, std::int64_t value) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  write_member(w, "status", "error");
  write_member(w, "error", message);
  if (!key.empty()) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.Int64(value);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<JsonObject> JsonObject::parse(std::string_view body) {
  // A raw NUL is never valid JSON, and MemoryStream would read it as the end.
  if (body.find('\0') != std::string_view::npos) return std::nullopt;
  JsonObject object;
  TopLevelHandler handler(object);
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(body.data(), body.size());
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag;  // no recursion on deep nesting
  if (reader.Parse<kFlags>(stream, handler).IsError()) return std::nullopt;
  return object;
}

const JsonObject::Member* JsonObject::find(std::string_view key) const {
  const auto it = members_.find(key);
  return it == members_.end() ? nullptr : &it->second;
}

bool JsonObject::set(std::string key, Member member) {
  return members_.emplace(std::move(key), std::move(member)).second;
}

namespace {

TextField text_field(const JsonObject& object, std::string_view key, bool numbers) {
  const JsonObject::Member* m = object.find(key);
  if (m == nullptr || m->kind == JsonKind::Null) return {};
  if (m->kind == JsonKind::String || (numbers && m->kind == JsonKind::Number)) {
    return {true, m->text};
  }
  return {false, std::nullopt};
}

}  // namespace

TextField string_field(const JsonObject& object, std::string_view key) {
  return text_field(object, key, false);
}

TextField number_field(const JsonObject& object, std::string_view key) {
  return text_field(object, key, true);
}

}  // namespace orderstate::http
