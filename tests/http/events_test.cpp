// GET /api/v2/events and events/stream: pages put together from events the
// server already wrote as JSON and events read from the journal are the
// pages the journal alone would give, byte for byte.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include "json_schema.hpp"
#include "stream_cache.hpp"
#include "test_server.hpp"

using namespace orderstate;
using namespace orderstate::test;

namespace {

const std::string kEvents = "/api/v2/events";

// Each event of an events page, as the JSON text it was sent as.
std::vector<std::string> events_of(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  REQUIRE_FALSE(d.HasParseError());
  std::vector<std::string> events;
  for (const auto& e : d["data"]["events"].GetArray()) events.push_back(to_json(e));
  return events;
}

// The page of `events` [from, from + count) (seq from + 1 onwards).
std::string page_of(const std::vector<std::string>& events, std::size_t from, std::size_t count,
                    std::int64_t next_after) {
  std::string list;
  for (std::size_t i = from; i < from + count; ++i) list += (list.empty() ? "" : ",") + events[i];
  return success(R"({"count":)" + std::to_string(count) + R"(,"events":[)" + list +
                 R"(],"next_after":)" + std::to_string(next_after) + "}");
}

}  // namespace

TEST_CASE("an events page is the same bytes whether its events were held or read from the journal",
          "[http][stream]") {
  TestServer s;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(place(s.orders(), "acct-1"));
  place(s.orders(), "acct-2");
  // Events 4 and 5 are read (and held) first, then a page holds them amid
  // events read after them and before them.
  REQUIRE(s.get(kEvents + "?after=3&limit=2").status == 200);
  REQUIRE(s.orders().cancel("acct-1", ids[0]).ok());
  REQUIRE(s.orders().cancel("acct-1", ids[1]).ok());
  const Reply all = s.get(kEvents + "?after=0");
  REQUIRE(all.status == 200);
  const std::vector<std::string> events = events_of(all.body);
  REQUIRE(events.size() == 7);
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO(events[i]);
    CHECK(events[i].rfind(R"({"seq":)" + std::to_string(i + 1) + ",", 0) == 0);
  }
  CHECK(events[5].find(R"("to":"CANCELED")") != std::string::npos);

  for (std::size_t after = 0; after <= 7; ++after) {
    for (std::size_t limit = 1; limit <= 8; ++limit) {
      const std::size_t count = std::min(limit, 7 - after);
      INFO("after " << after << " limit " << limit);
      const Reply r =
          s.get(kEvents + "?after=" + std::to_string(after) + "&limit=" + std::to_string(limit));
      CHECK(r.status == 200);
      CHECK(r.body == page_of(events, after, count, static_cast<std::int64_t>(after + count)));
    }
  }
  std::string stream = "retry: 1000\n\n";
  for (std::size_t i = 2; i < 7; ++i) {
    stream += "id: " + std::to_string(i + 1) + "\ndata: " + events[i] + "\n\n";
  }
  CHECK(s.get(kEvents + "/stream?after=2").body == stream);
  // The other account's stream holds only its own event, numbered 1.
  const std::vector<std::string> other = events_of(s.get(kEvents, kOtherKey).body);
  REQUIRE(other.size() == 1);
  CHECK(other[0].rfind(R"({"seq":1,)", 0) == 0);
  CHECK(other[0].find(ids[0]) == std::string::npos);
}

TEST_CASE(
    "an events page the server holds whole is answered without the journal; a longer one asks it",
    "[http][stream]") {
  TestServer s;
  for (int i = 0; i < 3; ++i) place(s.orders(), "acct-1");
  const Reply read = s.get(kEvents + "?after=0");
  REQUIRE(read.status == 200);
  REQUIRE(events_of(read.body).size() == 3);

  s.repository().fault = Fault::Unavailable;
  CHECK(s.get(kEvents + "?after=0&limit=3").body == read.body);
  // Whether a fourth event exists is the journal's to say, never the cache's.
  const Reply longer = s.get(kEvents + "?after=0&limit=4");
  CHECK(longer.status == 503);
  CHECK(s.get(kEvents + "?after=3").status == 503);
  s.repository().fault = Fault::None;
  place(s.orders(), "acct-1");
  const std::vector<std::string> four = events_of(s.get(kEvents + "?after=0").body);
  REQUIRE(four.size() == 4);
  CHECK(four[3].rfind(R"({"seq":4,)", 0) == 0);
}

TEST_CASE("the stream's held JSON stays within its budget, an account's oldest events going first",
          "[http][stream]") {
  TestServer s;
  for (int i = 0; i < 5; ++i) place(s.orders(), "acct-1");
  place(s.orders(), "acct-2");
  http::StreamCache probe;
  const auto five = probe.page(s.orders(), "acct-1", 0, 100);
  REQUIRE(five.ok());
  REQUIRE(five->events.size() == 5);
  // Room for the newest two of acct-1's events (they are of one size).
  http::StreamCache cache(2 * five->events[4]->size() + 1);
  REQUIRE(cache.page(s.orders(), "acct-1", 0, 100).ok());

  s.repository().fault = Fault::Unavailable;  // what the cache no longer holds fails
  const auto newest = cache.page(s.orders(), "acct-1", 3, 2);
  REQUIRE(newest.ok());
  CHECK(*newest->events[0] == *five->events[3]);
  CHECK(*newest->events[1] == *five->events[4]);
  CHECK(newest->next_after == 5);
  CHECK(cache.page(s.orders(), "acct-1", 2, 1).error().code == Errc::Unavailable);
  // Another account's events need the room: acct-1's go.
  s.repository().fault = Fault::None;
  REQUIRE(cache.page(s.orders(), "acct-2", 0, 100).ok());
  s.repository().fault = Fault::Unavailable;
  CHECK(cache.page(s.orders(), "acct-2", 0, 1).ok());
  CHECK(cache.page(s.orders(), "acct-1", 3, 2).error().code == Errc::Unavailable);
}
