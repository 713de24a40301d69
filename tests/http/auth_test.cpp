// Auth: bearer keys to accounts.
#include "orderstate/http/auth.hpp"

#include <catch2/catch.hpp>

using orderstate::http::Auth;
using orderstate::http::parse_api_key;

TEST_CASE("a known bearer key maps to its account, in any scheme case", "[http][auth]") {
  const Auth auth{{{"acct-1", "key-one"}, {"acct-2", "key-two"}}};

  CHECK(auth.account_for("Bearer key-one") == "acct-1");
  CHECK(auth.account_for("bearer key-two") == "acct-2");
  CHECK(auth.account_for("BEARER   key-two  ") == "acct-2");
}

TEST_CASE("unknown keys and malformed headers map to no account", "[http][auth]") {
  const Auth auth{{{"acct-1", "key-one"}}};
  for (const char* header : {"", "Bearer", "Bearer ", "Bearer key", "Bearer key-one2",
                             "Bearer KEY-ONE", "Basic key-one", "key-one", "Bearerkey-one"}) {
    INFO("header: '" << header << "'");
    CHECK_FALSE(auth.account_for(header).has_value());
  }
  CHECK_FALSE(Auth{}.account_for("Bearer key-one").has_value());
  CHECK_FALSE(Auth{{{"acct", ""}}}.account_for("Bearer ").has_value());
}

TEST_CASE("api key specs are ACCOUNT:KEY split at the first colon", "[http][auth]") {
  const auto key = parse_api_key("desk-7:s3cr:et");
  REQUIRE(key.has_value());
  CHECK(key->account == "desk-7");
  CHECK(key->key == "s3cr:et");
  for (const char* bad : {"", "nocolon", ":key", "acct:"}) {
    INFO("spec: " << bad);
    CHECK_FALSE(parse_api_key(bad).has_value());
  }
}
