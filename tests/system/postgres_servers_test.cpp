// Two orderstate-server processes on one PostgreSQL database (--db
// postgresql://...): racing cancels through both cancel each order exactly
// once; and under load, a kill -9 of one server plus a restart of PostgreSQL
// loses no acknowledged cancel, doubles none, and both serve again after.
//
// Needs a throwaway cluster: run through tests/run-with-pg.sh (ctest's
// system_tests_postgres does). Without ORDERSTATE_TEST_PG_URI each case is
// skipped (tests/skip.hpp). Each case works in a database of its own.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>
#include <vector>

#include "../pg_uri.hpp"
#include "../skip.hpp"
#include "api.hpp"
#include "race.hpp"
#include "stream.hpp"

using namespace orderstate::system_test;
using orderstate::testing::with_database;
using namespace std::chrono_literals;

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// A fresh, empty database on the test cluster; its URI.
std::string fresh_database(const std::string& uri, const std::string& tag) {
  static std::atomic<int> counter{0};
  const std::string name =
      "orderstate_sys_" + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  pqxx::connection c(uri);
  pqxx::nontransaction w(c);
  w.exec("DROP DATABASE IF EXISTS " + name);
  w.exec("CREATE DATABASE " + name);
  return with_database(uri, name);
}

ServerOptions pg_options(const std::string& uri, const TempDir& dir, const char* log) {
  return ServerOptions{uri, dir.path() / log, {"--threads", "16"}};
}

std::vector<std::string> place_orders(int port_a, int port_b, int n, int threads) {
  std::vector<std::string> ids(static_cast<size_t>(n));
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Api api(t % 2 == 0 ? port_a : port_b);
      for (int i = t; i < n; i += threads) {
        const Reply r = api.place();
        if (r.status != 201) ++failures;
        ids[static_cast<size_t>(i)] = first_member(r.body, "order_id");
      }
    });
  }
  for (std::thread& w : workers) w.join();
  REQUIRE(failures == 0);
  REQUIRE(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  return ids;
}

int healthz(int port) {
  return Api(port, kKey, 3).get("/healthz").status;
}

// Polls /healthz until it answers `want`; true when it did within `limit`.
bool wait_health(int port, int want, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (healthz(port) == want) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

int cluster(const char* action) {
  const std::string cmd = std::string("bash '") + env("ORDERSTATE_TEST_PG_CLUSTER") + "' " +
                          action + " '" + env("ORDERSTATE_TEST_PG_DIR") + "' >/dev/null";
  return std::system(cmd.c_str());
}

}  // namespace

#define REQUIRE_PG_URI()                                              \
  const char* pg_uri = env("ORDERSTATE_TEST_PG_URI");                 \
  if (pg_uri == nullptr) {                                            \
    ORDERSTATE_SKIP(                                                  \
        "ORDERSTATE_TEST_PG_URI is unset: no PostgreSQL server (run " \
        "it with tests/run-with-pg.sh)");                             \
  }

TEST_CASE("racing cancels through two servers on one PostgreSQL cancel each order exactly once",
          "[system][postgres]") {
  REQUIRE_PG_URI();
  constexpr int kOrders = 300;
  TempDir dir;
  const std::string uri = fresh_database(pg_uri, "race");
  ServerProcess first(pg_options(uri, dir, "a.log"));
  ServerProcess second(pg_options(uri, dir, "b.log"));
  INFO(read_text(dir.path() / "a.log") << read_text(dir.path() / "b.log"));
  REQUIRE(first.port() > 0);
  REQUIRE(second.port() > 0);
  const int ports[2] = {first.port(), second.port()};
  const std::vector<std::string> ids = place_orders(ports[0], ports[1], kOrders, 8);

  require_cancels_exactly_once(ports, ids);
  CHECK(first.stop() == 0);
  CHECK(second.stop() == 0);
}

TEST_CASE("duplicate trade reports through two servers on one PostgreSQL count exactly once",
          "[system][postgres]") {
  REQUIRE_PG_URI();
  TempDir dir;
  const std::string uri = fresh_database(pg_uri, "trades");
  ServerProcess first(pg_options(uri, dir, "a.log"));
  ServerProcess second(pg_options(uri, dir, "b.log"));
  INFO(read_text(dir.path() / "a.log") << read_text(dir.path() / "b.log"));
  REQUIRE(first.port() > 0);
  REQUIRE(second.port() > 0);
  const int ports[2] = {first.port(), second.port()};
  require_trades_exactly_once(ports);
  CHECK(first.stop() == 0);
  CHECK(second.stop() == 0);
}

// Issue 16: subscribers follow the stream through either server while
// writers go through both; each ends with exactly the account's journal.
TEST_CASE(
    "subscribers that drop and resume see the stream exactly, through two servers on one "
    "PostgreSQL",
    "[system][postgres][stream]") {
  REQUIRE_PG_URI();
  TempDir dir;
  const std::string uri = fresh_database(pg_uri, "stream");
  ServerProcess first(pg_options(uri, dir, "a.log"));
  ServerProcess second(pg_options(uri, dir, "b.log"));
  INFO(read_text(dir.path() / "a.log") << read_text(dir.path() / "b.log"));
  REQUIRE(first.port() > 0);
  REQUIRE(second.port() > 0);
  require_streams_match({first.port(), second.port()}, 4, 6, 30);
  CHECK(first.stop() == 0);
  CHECK(second.stop() == 0);
}

TEST_CASE(
    "a kill -9 of one server and a PostgreSQL restart under load lose no acknowledged cancel "
    "and double none",
    "[system][postgres]") {
  REQUIRE_PG_URI();
  if (env("ORDERSTATE_TEST_PG_DIR") == nullptr || env("ORDERSTATE_TEST_PG_CLUSTER") == nullptr) {
    ORDERSTATE_SKIP(
        "not a throwaway cluster that may be restarted (run it with tests/run-with-pg.sh)");
  }
  constexpr int kOrders = 600, kPerServer = 8, kKillAfter = 100;
  TempDir dir;
  const std::string uri = fresh_database(pg_uri, "outage");
  auto killed = std::make_unique<ServerProcess>(pg_options(uri, dir, "a.log"));
  ServerProcess survivor(pg_options(uri, dir, "b.log"));
  REQUIRE(killed->port() > 0);
  REQUIRE(survivor.port() > 0);
  const int port_a = killed->port(), port_b = survivor.port();
  const std::vector<std::string> ids = place_orders(port_a, port_b, kOrders, 8);

  // Every order is cancelled by two clients, one through each server. The
  // survivor's clients hold their second half until PostgreSQL is down, then
  // retry each cancel through the outage (503) until it is answered.
  std::vector<std::atomic<int>> oks(kOrders), unknown(kOrders);
  std::atomic<int> acknowledged{0}, unavailable{0}, unexpected{0};
  std::mutex mu;
  std::condition_variable cv;
  bool pg_down = false;
  std::vector<std::thread> clients;
  for (int c = 0; c < 2 * kPerServer; ++c) {
    const bool on_survivor = c % 2 == 1;
    const int slot = c / 2;
    clients.emplace_back([&, on_survivor, slot] {
      Api api(on_survivor ? port_b : port_a, kKey, 10);
      int done = 0;
      for (int i = slot; i < kOrders; i += kPerServer, ++done) {
        if (on_survivor && done == kOrders / kPerServer / 2) {
          std::unique_lock lock(mu);
          cv.wait_for(lock, 30s, [&] { return pg_down; });
        }
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (true) {
          const Reply r = api.cancel(ids[static_cast<size_t>(i)]);
          if (r.status == 200) {
            ++oks[static_cast<size_t>(i)];
            ++acknowledged;
          } else if (r.status == 503 && r.body == kUnavailable) {
            ++unavailable;  // outcome unknown (e.g. lost during COMMIT): retry
            ++unknown[static_cast<size_t>(i)];
            if (on_survivor && std::chrono::steady_clock::now() < deadline) {
              std::this_thread::sleep_for(50ms);
              continue;
            }
          } else if (r.status < 0) {
            ++unknown[static_cast<size_t>(i)];
            if (!on_survivor) return;  // its server is gone
          } else if (r.status != 409) {
            ++unexpected;
          }
          break;
        }
      }
    });
  }

  // Mid-load: kill -9 the first server, take PostgreSQL down, see the
  // survivor answer 503, bring PostgreSQL up again.
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (acknowledged < kKillAfter && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  killed->kill9();
  const int down = cluster("down");
  {
    std::lock_guard lock(mu);
    pg_down = true;
  }
  cv.notify_all();
  const bool unhealthy = wait_health(port_b, 503, 10s);
  std::this_thread::sleep_for(1s);  // the survivor's clients run into the outage
  const int up = cluster("up");
  const bool healthy = wait_health(port_b, 200, 30s);
  for (std::thread& c : clients) c.join();
  REQUIRE(down == 0);
  REQUIRE(up == 0);
  CHECK(unhealthy);
  REQUIRE(healthy);  // the survivor recovered by itself
  // Its expiry tick met the outage (the database was down over a second):
  // said once, not once a second.
  const std::string log = read_text(dir.path() / "b.log");
  const std::string said = "orderstate-server: expiring due orders failed (retried each second): ";
  CHECK(log.find(said) != std::string::npos);
  CHECK(log.find(said) == log.rfind(said));
  CHECK(unavailable > 0);
  CHECK(unexpected == 0);
  REQUIRE(killed->wait_exit(10s) == -1);

  killed = std::make_unique<ServerProcess>(pg_options(uri, dir, "a.log"));
  REQUIRE(killed->port() > 0);
  Api a(killed->port()), b(port_b);
  CHECK(healthz(killed->port()) == 200);

  // Every acknowledged cancel is there, once; the rest are all or nothing.
  int canceled = 0;
  for (int i = 0; i < kOrders; ++i) {
    const std::string& id = ids[static_cast<size_t>(i)];
    INFO("order " << id << ": " << oks[static_cast<size_t>(i)] << " acknowledgements");
    REQUIRE(oks[static_cast<size_t>(i)] <= 1);
    const OrderState s = state_of(i % 2 == 0 ? a : b, id);
    if (oks[static_cast<size_t>(i)] == 1 || s.order == "CANCELED") {
      REQUIRE(s.order == "CANCELED");
      REQUIRE(s.position == "CLOSED");
      REQUIRE(s.cancel_events == 1);
      ++canceled;
    } else {
      REQUIRE(unknown[static_cast<size_t>(i)] > 0);  // someone's cancel went unanswered
      REQUIRE(s.order == "OPEN");
      REQUIRE(s.position == "OPEN");
      REQUIRE(s.cancel_events == 0);
    }
  }
  CHECK(canceled >= acknowledged);

  // Both serve again: the rest cancel once, and new orders go through both.
  for (int i = 0; i < kOrders; ++i) {
    const std::string& id = ids[static_cast<size_t>(i)];
    INFO("order " << id);
    const Reply r = (i % 2 == 0 ? a : b).cancel(id);
    REQUIRE((r.status == 200 || r.status == 409));
    if (r.status == 200) REQUIRE(oks[static_cast<size_t>(i)] == 0);
    const OrderState s = state_of(i % 2 == 0 ? b : a, id);
    REQUIRE(s.order == "CANCELED");
    REQUIRE(s.cancel_events == 1);
  }
  CHECK(a.place().status == 201);
  CHECK(b.place().status == 201);
  CHECK(killed->stop() == 0);
  CHECK(survivor.stop() == 0);
}
