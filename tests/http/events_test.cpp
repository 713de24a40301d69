// GET /api/v2/events and events/stream: whatever the server keeps between
// requests, a page is the journal's own answer at the time it is asked.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "json_schema.hpp"
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

// The page of `events` [from, from + count).
std::string page_of(const std::vector<std::string>& events, std::size_t from, std::size_t count,
                    std::int64_t next_after) {
  std::string list;
  for (std::size_t i = from; i < from + count; ++i) list += (list.empty() ? "" : ",") + events[i];
  return success(R"({"count":)" + std::to_string(count) + R"(,"events":[)" + list +
                 R"(],"next_after":)" + std::to_string(next_after) + "}");
}

}  // namespace

TEST_CASE("an events page is the journal's answer when asked, after a replace changed older events",
          "[http][stream]") {
  TestServer s;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(place(s.orders(), "acct-1"));
  place(s.orders(), "acct-2");
  // Pages asked (and possibly kept) before the changes below.
  const std::string before = s.get(kEvents + "?after=0").body;
  REQUIRE(events_of(before).size() == 3);
  REQUIRE(s.get(kEvents + "?after=1&limit=2").status == 200);
  // A replace names its successor in the order of every older event of
  // ord 1 (replaced_by is as stored now); a cancel request sets
  // pending_since on ord 2's.
  REQUIRE(s.orders().replace("acct-1", ids[0], ReplaceRequest{"0.02"}).ok());
  REQUIRE(s.orders().request_cancel("acct-1", ids[1]).ok());
  const auto journal = s.orders().events_since("acct-1", 0, 1000);
  REQUIRE(journal.ok());
  const std::size_t n = journal->events.size();
  REQUIRE(n >= 5);

  const Reply all = s.get(kEvents + "?after=0");
  REQUIRE(all.status == 200);
  const std::vector<std::string> events = events_of(all.body);
  REQUIRE(events.size() == n);
  CHECK(all.body != before);
  for (std::size_t i = 0; i < n; ++i) {
    INFO(events[i]);
    CHECK(events[i].rfind(R"({"seq":)" + std::to_string(i + 1) + ",", 0) == 0);
    const OrderRecord& o = journal->events[i].order;
    if (o.replaced_by)
      CHECK(events[i].find(R"("replaced_by":")" + *o.replaced_by) != std::string::npos);
    if (o.pending_since) CHECK(events[i].find(R"("pending_since":")") != std::string::npos);
  }
  CHECK(events[0].find(R"("replaced_by":null)") == std::string::npos);

  for (std::size_t after = 0; after <= n; ++after) {
    for (std::size_t limit = 1; limit <= n + 1; ++limit) {
      const std::size_t count = std::min(limit, n - after);
      INFO("after " << after << " limit " << limit);
      const Reply r =
          s.get(kEvents + "?after=" + std::to_string(after) + "&limit=" + std::to_string(limit));
      CHECK(r.status == 200);
      CHECK(r.body == page_of(events, after, count, static_cast<std::int64_t>(after + count)));
    }
  }
  std::string stream = "retry: 1000\n\n";
  for (std::size_t i = 1; i < n; ++i) {
    stream += "id: " + std::to_string(i + 1) + "\ndata: " + events[i] + "\n\n";
  }
  CHECK(s.get(kEvents + "/stream?after=1").body == stream);
  // The other account's stream holds only its own event, numbered 1.
  const std::vector<std::string> other = events_of(s.get(kEvents, kOtherKey).body);
  REQUIRE(other.size() == 1);
  CHECK(other[0].rfind(R"({"seq":1,)", 0) == 0);
  CHECK(other[0].find(ids[0]) == std::string::npos);
}

TEST_CASE(
    "an events page shows another server's commits within a second, older events' orders included",
    "[http][stream]") {
  TestServer s;
  const std::string id = place(s.orders(), "acct-1");
  place(s.orders(), "acct-1");
  const std::string before = s.get(kEvents + "?after=0").body;
  REQUIRE(events_of(before).size() == 2);
  // Another server on the same database: its commits do not reach this
  // server's event bus, so this server's stream generation stays the same.
  FixedClock clock{kStart};
  Orders other(s.repository(), clock);
  REQUIRE(other.replace("acct-1", id, ReplaceRequest{"0.02"}).ok());
  const auto journal = s.orders().events_since("acct-1", 0, 1000);
  REQUIRE(journal.ok());
  REQUIRE(journal->events.size() > 2);
  REQUIRE(journal->events[0].order.replaced_by);

  // Past PageCache::kFresh (1 s), the bound a kept page may be old.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const std::vector<std::string> events = events_of(s.get(kEvents + "?after=0").body);
  REQUIRE(events.size() == journal->events.size());
  CHECK(events[0].find(R"("replaced_by":")" + *journal->events[0].order.replaced_by + '"') !=
        std::string::npos);
}
