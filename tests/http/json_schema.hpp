// A JSON Schema validator for the subset openapi.json uses (OpenAPI 3.0
// flavour): $ref into the same document, type, nullable, enum, required,
// properties, additionalProperties (false), items, oneOf, pattern, minimum,
// maximum. Annotations (description, example, format, default, title) are
// skipped; any other keyword is reported as a problem, so the document cannot
// grow a rule the tests silently ignore. For tests; thread-compatible.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace orderstate::test {

class SchemaValidator {
 public:
  // `root` is the document "$ref"s point into ("#/components/schemas/X");
  // it must outlive the validator.
  explicit SchemaValidator(const rapidjson::Value& root) : root_(root) {}

  // What is wrong with `value` against `schema`, one line per problem, each
  // starting with the JSON path ("$.data.order_id"); empty when it matches.
  std::vector<std::string> validate(const rapidjson::Value& schema,
                                    const rapidjson::Value& value) const;

  // The value at a local reference ("#/a/b"), or nullptr.
  const rapidjson::Value* resolve(const std::string& ref) const;

 private:
  void check(const rapidjson::Value& schema, const rapidjson::Value& value, const std::string& path,
             std::vector<std::string>& problems) const;
  void check_object(const rapidjson::Value& schema, const rapidjson::Value& value,
                    const std::string& path, std::vector<std::string>& problems) const;
  void check_one_of(const rapidjson::Value& schema, const rapidjson::Value& value,
                    const std::string& path, std::vector<std::string>& problems) const;

  const rapidjson::Value& root_;
};

// The JSON text of `value` (for messages).
std::string to_json(const rapidjson::Value& value);

}  // namespace orderstate::test
