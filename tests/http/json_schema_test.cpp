// The test-side JSON Schema validator: each rule it applies can fail.
#include "json_schema.hpp"

#include <catch2/catch.hpp>

using orderstate::test::SchemaValidator;

namespace {

const char* kDocument = R"({"components":{"schemas":{
  "Record":{"type":"object","required":["id","side"],"additionalProperties":false,
            "properties":{"id":{"type":"string","pattern":"^ord-[0-9]+$"},
                          "side":{"type":"string","enum":["BUY","SELL"]},
                          "next":{"type":"string","nullable":true},
                          "count":{"type":"integer","minimum":0,"maximum":9},
                          "amount":{"oneOf":[{"type":"string"},{"type":"number"}]},
                          "items":{"type":"array","items":{"$ref":"#/components/schemas/Leaf"}}}},
  "Leaf":{"type":"boolean"},
  "Odd":{"type":"string","maxLength":3}}}})";

std::vector<std::string> problems_of(const char* value, const char* schema = "Record") {
  rapidjson::Document doc;
  doc.Parse(kDocument);
  REQUIRE_FALSE(doc.HasParseError());
  rapidjson::Document v;
  v.Parse(value);
  REQUIRE_FALSE(v.HasParseError());
  const SchemaValidator validator(doc);
  const std::string ref = std::string("#/components/schemas/") + schema;
  return validator.validate(*validator.resolve(ref), v);
}

}  // namespace

TEST_CASE("a value that follows every rule has no problems", "[http][schema]") {
  CHECK(problems_of(R"({"id":"ord-1","side":"BUY","next":null,"count":9,"amount":1.5,)"
                    R"("items":[true,false]})")
            .empty());
  CHECK(problems_of(R"({"id":"ord-1","side":"SELL","next":"x","amount":"1.5"})").empty());
}

TEST_CASE("each broken rule is reported with its path", "[http][schema]") {
  using V = std::vector<std::string>;
  CHECK(problems_of(R"({"side":"BUY"})") == V{"$: no id"});
  CHECK(problems_of(R"({"id":"ord-1","side":"HOLD"})") ==
        V{R"($.side: "HOLD" is not in the enum)"});
  CHECK(problems_of(R"({"id":"pos-1","side":"BUY"})") ==
        V{R"($.id: "pos-1" does not match ^ord-[0-9]+$)"});
  CHECK(problems_of(R"({"id":1,"side":"BUY"})") == V{"$.id: 1 is not of type string"});
  CHECK(problems_of(R"({"id":"ord-1","side":"BUY","extra":1})") == V{"$.extra: not in the schema"});
  CHECK(problems_of(R"({"id":"ord-1","side":"BUY","count":10})") ==
        V{"$.count: 10 is above the maximum"});
  CHECK(problems_of(R"({"id":"ord-1","side":"BUY","count":-1})") ==
        V{"$.count: -1 is below the minimum"});
  CHECK(problems_of(R"({"id":"ord-1","side":"BUY","count":1.5})") ==
        V{"$.count: 1.5 is not of type integer"});
  CHECK(problems_of(R"({"id":"ord-1","side":"BUY","amount":null})") ==
        V{"$.amount: null matches 0 of the oneOf schemas, not exactly one"});
  CHECK(problems_of(R"({"id":"ord-1","side":"BUY","items":[true,0]})") ==
        V{"$.items[1]: 0 is not of type boolean"});
  CHECK(problems_of(R"([])") == V{"$: [] is not of type object"});
}

TEST_CASE("a keyword the validator does not know is a problem, not a pass", "[http][schema]") {
  CHECK(problems_of(R"("abcd")", "Odd") ==
        std::vector<std::string>{"$: schema keyword 'maxLength' is not supported"});
}
