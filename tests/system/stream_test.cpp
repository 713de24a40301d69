// The account stream over HTTP (issue 16): long polls parked at the edge,
// subscribers that drop and resume, and a kill -9 mid-stream.
#include "stream.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "api.hpp"
#include "server_process.hpp"

using namespace orderstate::system_test;

TEST_CASE("parked long polls hold no worker: with 2 workers 50 of them wait, writes are answered",
          "[system][stream]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {"--threads", "2"}});
  REQUIRE(server.port() > 0);
  constexpr int kPolls = 50;
  std::vector<Reply> got(kPolls);
  std::vector<std::thread> polls;
  for (int i = 0; i < kPolls; ++i) {
    polls.emplace_back([&, i] {
      Api api(server.port(), kKey, 40);
      got[static_cast<std::size_t>(i)] = api.get("/api/v2/events?after=0&wait=30");
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // all of them parked by now
  // Were the polls holding the 2 workers, this would wait 30 s; its client gives up after 5.
  Api writer(server.port(), kKey, 5);
  const Reply placed = writer.post("/api/v2/orders", kPlaceBody);
  REQUIRE(placed.status == 201);
  const std::string id = first_member(placed.body, "order_id");
  for (auto& t : polls) t.join();
  for (const Reply& r : got) {
    REQUIRE(r.status == 200);
    const auto events = stream_events(r.body);
    REQUIRE(events.size() == 1);
    CHECK(events[0].line == "1 " + id + " ->OPEN");
    CHECK(count_of(r.body, R"("next_after":1)") == 1);
  }
  // Scoping: another account's stream is empty and stays so.
  const Reply other = Api(server.port(), kOtherKey).get("/api/v2/events?after=0&wait=1");
  REQUIRE(other.status == 200);
  CHECK(stream_events(other.body).empty());
  CHECK(server.stop() == 0);
}

TEST_CASE("subscribers that drop and resume see the stream exactly, through two server processes",
          "[system][stream]") {
  TempDir dir;
  ServerProcess a({dir.path() / "orders.db", dir.path() / "a.log", {}});
  ServerProcess b({dir.path() / "orders.db", dir.path() / "b.log", {}});
  REQUIRE(a.port() > 0);
  REQUIRE(b.port() > 0);
  require_streams_match({a.port(), b.port()}, 4, 6, 30);
  CHECK(a.stop() == 0);
  CHECK(b.stop() == 0);
}

TEST_CASE("after a kill -9 mid-stream a subscriber resumes with every acknowledged change once",
          "[system][stream]") {
  TempDir dir;
  const ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log", {}};
  auto server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  std::vector<std::string> acknowledged;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    Api api(server->port(), kKey, 5);
    while (writing) {
      const Reply r = api.post("/api/v2/orders", kPlaceBody);
      if (r.status != 201) return;  // the kill
      acknowledged.push_back(first_member(r.body, "order_id"));
    }
  });
  // The subscriber follows until the server dies under it.
  std::vector<Seen> seen;
  {
    Api api(server->port(), kKey, 5);
    while (seen.size() < 50) {
      const Reply r = api.get("/api/v2/events?limit=7&wait=2&after=" +
                              std::to_string(seen.empty() ? 0 : seen.back().seq));
      REQUIRE(r.status == 200);
      for (const Seen& e : stream_events(r.body)) seen.push_back(e);
    }
  }
  server->kill9();
  writing = false;
  writer.join();
  REQUIRE(server->wait_exit(std::chrono::seconds(10)) == -1);
  REQUIRE(!acknowledged.empty());

  server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  Api api(server->port());
  while (true) {  // resume from the last seq seen
    const Reply r = api.get("/api/v2/events?limit=100&after=" + std::to_string(seen.back().seq));
    REQUIRE(r.status == 200);
    const auto page = stream_events(r.body);
    if (page.empty()) break;
    seen.insert(seen.end(), page.begin(), page.end());
  }
  std::map<std::string, int> placed_events;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    REQUIRE(seen[i].seq == static_cast<long long>(i) + 1);  // no gap, no repeat, in order
    placed_events[seen[i].line.substr(seen[i].line.find(' ') + 1)]++;
  }
  for (const std::string& id : acknowledged) {
    INFO(id);
    CHECK(placed_events[id + " ->OPEN"] == 1);
  }
  CHECK(server->stop() == 0);
}
