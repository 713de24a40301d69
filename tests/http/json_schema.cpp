#include "json_schema.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <regex>
#include <set>
#include <string_view>

namespace orderstate::test {
namespace {

const std::set<std::string_view> kAnnotations = {"description", "example", "format", "default",
                                                 "title"};
const std::set<std::string_view> kKeywords = {
    "$ref",  "type",  "nullable", "enum",    "required", "properties", "additionalProperties",
    "items", "oneOf", "pattern",  "minimum", "maximum"};

bool has_type(const rapidjson::Value& v, std::string_view type) {
  if (type == "string") return v.IsString();
  if (type == "integer") return v.IsInt64() || v.IsUint64();
  if (type == "number") return v.IsNumber();
  if (type == "boolean") return v.IsBool();
  if (type == "object") return v.IsObject();
  if (type == "array") return v.IsArray();
  return false;
}

}  // namespace

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const rapidjson::Value* SchemaValidator::resolve(const std::string& ref) const {
  if (!ref.starts_with("#/")) return nullptr;
  const rapidjson::Value* at = &root_;
  std::string_view rest = std::string_view(ref).substr(2);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string key(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (!at->IsObject() || !at->HasMember(key.c_str())) return nullptr;
    at = &(*at)[key.c_str()];
  }
  return at;
}

std::vector<std::string> SchemaValidator::validate(const rapidjson::Value& schema,
                                                   const rapidjson::Value& value) const {
  std::vector<std::string> problems;
  check(schema, value, "$", problems);
  return problems;
}

void SchemaValidator::check(const rapidjson::Value& schema, const rapidjson::Value& value,
                            const std::string& path, std::vector<std::string>& problems) const {
  if (!schema.IsObject()) return problems.push_back(path + ": schema is not an object");
  for (const auto& m : schema.GetObject()) {
    const std::string_view k(m.name.GetString(), m.name.GetStringLength());
    if (!kKeywords.contains(k) && !kAnnotations.contains(k)) {
      problems.push_back(path + ": schema keyword '" + std::string(k) + "' is not supported");
    }
  }
  if (schema.HasMember("$ref")) {
    const rapidjson::Value* target = resolve(schema["$ref"].GetString());
    if (target == nullptr) return problems.push_back(path + ": unresolved $ref");
    return check(*target, value, path, problems);
  }
  if (value.IsNull() && schema.HasMember("nullable") && schema["nullable"].GetBool()) return;
  if (schema.HasMember("oneOf")) return check_one_of(schema, value, path, problems);
  if (schema.HasMember("type") && !has_type(value, schema["type"].GetString())) {
    return problems.push_back(path + ": " + to_json(value) + " is not of type " +
                              schema["type"].GetString());
  }
  if (schema.HasMember("enum")) {
    bool listed = false;
    for (const auto& e : schema["enum"].GetArray()) listed = listed || e == value;
    if (!listed) problems.push_back(path + ": " + to_json(value) + " is not in the enum");
  }
  if (schema.HasMember("pattern") && value.IsString() &&
      !std::regex_search(value.GetString(), std::regex(schema["pattern"].GetString()))) {
    problems.push_back(path + ": " + to_json(value) + " does not match " +
                       schema["pattern"].GetString());
  }
  if (schema.HasMember("minimum") && value.IsNumber() &&
      value.GetDouble() < schema["minimum"].GetDouble()) {
    problems.push_back(path + ": " + to_json(value) + " is below the minimum");
  }
  if (schema.HasMember("maximum") && value.IsNumber() &&
      value.GetDouble() > schema["maximum"].GetDouble()) {
    problems.push_back(path + ": " + to_json(value) + " is above the maximum");
  }
  if (value.IsObject()) check_object(schema, value, path, problems);
  if (value.IsArray() && schema.HasMember("items")) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      check(schema["items"], value[i], path + "[" + std::to_string(i) + "]", problems);
    }
  }
}

void SchemaValidator::check_object(const rapidjson::Value& schema, const rapidjson::Value& value,
                                   const std::string& path,
                                   std::vector<std::string>& problems) const {
  if (schema.HasMember("required")) {
    for (const auto& name : schema["required"].GetArray()) {
      if (!value.HasMember(name)) problems.push_back(path + ": no " + name.GetString());
    }
  }
  const rapidjson::Value* properties =
      schema.HasMember("properties") ? &schema["properties"] : nullptr;
  const bool closed =
      schema.HasMember("additionalProperties") && !schema["additionalProperties"].GetBool();
  for (const auto& m : value.GetObject()) {
    const std::string child = path + "." + m.name.GetString();
    if (properties != nullptr && properties->HasMember(m.name)) {
      check((*properties)[m.name], m.value, child, problems);
    } else if (closed) {
      problems.push_back(child + ": not in the schema");
    }
  }
}

void SchemaValidator::check_one_of(const rapidjson::Value& schema, const rapidjson::Value& value,
                                   const std::string& path,
                                   std::vector<std::string>& problems) const {
  int matches = 0;
  for (const auto& option : schema["oneOf"].GetArray()) {
    std::vector<std::string> option_problems;
    check(option, value, path, option_problems);
    matches += option_problems.empty() ? 1 : 0;
  }
  if (matches != 1) {
    problems.push_back(path + ": " + to_json(value) + " matches " + std::to_string(matches) +
                       " of the oneOf schemas, not exactly one");
  }
}

}  // namespace orderstate::test
