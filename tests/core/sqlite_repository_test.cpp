#include <SQLiteCpp/Database.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "orderstate/ids.hpp"

using namespace orderstate;
using orderstate::testing::limit_buy;
using orderstate::testing::open_or_die;
using orderstate::testing::Service;
using orderstate::testing::TempDb;

TEST_CASE("ids stay unique after reopening a file database", "[sqlite]") {
  TempDb db;
  std::string last;
  {
    Service s({db.path()});
    for (int i = 0; i < 3; ++i) last = s.orders.place("acct", limit_buy())->order.order_id;
  }
  CHECK(last == "ord-20260303120000-3");
  Service s({db.path()});
  auto next = s.orders.place("acct", limit_buy());
  REQUIRE(next.ok());
  CHECK(next->order.order_id == "ord-20260303120000-4");
  CHECK(s.orders.get_order("acct", last)->status == OrderStatus::Open);
}

TEST_CASE("a database with a newer schema is refused with a clear error", "[sqlite]") {
  TempDb db;
  {
    SQLite::Database raw(db.path(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version = 99");
  }
  auto repo = SqliteRepository::open({db.path()});
  REQUIRE_FALSE(repo.ok());
  CHECK(repo.code() == Errc::Storage);
  CHECK(repo.error().message ==
        "database schema version 99 is newer than this orderstate supports (5)");
}

TEST_CASE("the schema version is recorded and reopening does not migrate again", "[sqlite]") {
  TempDb db;
  { Service s({db.path()}); }
  { Service s({db.path()}); }
  SQLite::Database raw(db.path());
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == SqliteRepository::schema_version());
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(raw.execAndGet("SELECT value FROM id_sequence").getInt() == 0);
}

namespace {

// Turns a current database back into what schema version 1 wrote: positions
// without the CHECK on side (added by version 2), and user_version 1.
void downgrade_to_v1(const std::string& path) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE);
  raw.exec(R"sql(
BEGIN IMMEDIATE;
ALTER TABLE positions RENAME TO positions_v2;
CREATE TABLE positions (
  seq         INTEGER PRIMARY KEY,
  position_id TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  exchange    TEXT NOT NULL,
  symbol      TEXT NOT NULL COLLATE NOCASE,
  side        TEXT NOT NULL,
  size        TEXT NOT NULL,
  entry_price TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('OPEN', 'CLOSED', 'LIQUIDATED')),
  opened_at   TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
INSERT INTO positions SELECT * FROM positions_v2;
DROP TABLE positions_v2;
CREATE INDEX positions_by_account ON positions (account_id, seq);
CREATE INDEX positions_by_status ON positions (account_id, status, seq);
CREATE INDEX positions_by_status_symbol ON positions (account_id, status, symbol, seq);
DROP TABLE executions;
DROP TABLE account_streams;
CREATE TABLE order_events_v1 (
  id          INTEGER PRIMARY KEY,
  order_seq   INTEGER NOT NULL,
  order_id    TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT NOT NULL,
  at          TEXT NOT NULL,
  reason      TEXT NOT NULL
);
INSERT INTO order_events_v1 SELECT id, order_seq, order_id, from_status, to_status, at, reason
  FROM order_events;
DROP TABLE order_events;
ALTER TABLE order_events_v1 RENAME TO order_events;
CREATE INDEX order_events_by_order ON order_events (order_seq, id);
ALTER TABLE orders RENAME TO orders_v3;
CREATE TABLE orders (
  seq             INTEGER PRIMARY KEY,
  order_id        TEXT NOT NULL,
  position_id     TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  client_order_id TEXT,
  exchange        TEXT NOT NULL,
  symbol          TEXT NOT NULL COLLATE NOCASE,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  type            TEXT NOT NULL CHECK (type IN ('MARKET', 'LIMIT')),
  amount          TEXT NOT NULL,
  price           TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('OPEN', 'FILLED', 'CANCELED', 'CLOSED')),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
INSERT INTO orders SELECT seq, order_id, position_id, account_id, client_order_id, exchange,
  symbol, side, type, amount, price, status, created_at, updated_at FROM orders_v3;
DROP TABLE orders_v3;
CREATE UNIQUE INDEX orders_by_client_id ON orders (account_id, client_order_id)
  WHERE client_order_id IS NOT NULL;
CREATE INDEX orders_by_account ON orders (account_id, seq);
CREATE INDEX orders_by_status ON orders (account_id, status, seq);
CREATE INDEX orders_by_symbol ON orders (account_id, symbol, seq);
CREATE INDEX orders_by_status_symbol ON orders (account_id, status, symbol, seq);
PRAGMA user_version = 1;
COMMIT;
)sql");
}

// A position row with `side`, straight into the file (as a version 1 database allowed).
void insert_raw_position(SQLite::Database& raw, const std::string& side) {
  raw.exec(
      "INSERT INTO positions (seq, position_id, order_id, account_id, exchange, symbol, side, "
      "size, entry_price, status, opened_at, updated_at) VALUES (1000, 'pos-x', 'ord-x', 'acct', "
      "'x', 'S', '" +
      side + "', '1', '0', 'OPEN', 't', 't')");
}

std::vector<std::string> index_names(SQLite::Database& raw, const std::string& table) {
  std::vector<std::string> names;
  SQLite::Statement q(raw, "SELECT name FROM pragma_index_list(?) ORDER BY name");
  q.bind(1, table);
  while (q.executeStep()) names.push_back(q.getColumn(0).getString());
  return names;
}

}  // namespace

TEST_CASE("a version 1 database is upgraded: positions.side gets its CHECK, rows and indexes kept",
          "[sqlite][schema]") {
  TempDb db;
  Placed buy, sell;
  {
    Service s({db.path()});
    buy = s.orders.place("acct", limit_buy()).value();
    PlaceRequest r = limit_buy("0.5", "60000");
    r.side = "SELL";
    sell = s.orders.place("acct", r).value();
    REQUIRE(s.orders.cancel("acct", sell.order.order_id).ok());
    sell.position = s.orders.get_position("acct", sell.position.position_id).value();
  }
  downgrade_to_v1(db.path());
  {
    SQLite::Database raw(db.path());
    REQUIRE(raw.execAndGet("PRAGMA user_version").getInt() == 1);
    REQUIRE(raw.execAndGet("SELECT count(*) FROM positions").getInt() == 2);
  }

  Service s({db.path()});
  {
    SQLite::Database raw(db.path(), SQLite::OPEN_READWRITE);
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == 5);
    CHECK(index_names(raw, "positions") == std::vector<std::string>{"positions_by_account",
                                                                    "positions_by_status",
                                                                    "positions_by_status_symbol"});
    try {
      insert_raw_position(raw, "HOLD");
      FAIL("a position with side HOLD was stored");
    } catch (const SQLite::Exception& e) {
      CHECK(e.getExtendedErrorCode() == SQLITE_CONSTRAINT_CHECK);
    }
  }
  CHECK(s.orders.get_order("acct", buy.order.order_id).value() == buy.order);
  CHECK(s.orders.get_position("acct", buy.position.position_id).value() == buy.position);
  CHECK(s.orders.get_position("acct", sell.position.position_id).value() == sell.position);
  CHECK(sell.position.status == PositionStatus::Closed);
  CHECK(s.orders.list_positions("acct", PositionStatus::Open)->size() == 1);
  REQUIRE(s.orders.cancel("acct", buy.order.order_id).ok());
  CHECK(s.orders.get_position("acct", buy.position.position_id)->status == PositionStatus::Closed);
  auto next = s.orders.place("acct", limit_buy());
  REQUIRE(next.ok());
  CHECK(next->position.position_id == "pos-20260303120000-3");
  // The journal written before version 5 is numbered per account, in order;
  // its fills were not recorded then, the new events' are.
  const auto events = s.orders.events_since("acct", 0).value().events;
  REQUIRE(events.size() == 5);
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].seq == std::int64_t(i) + 1);
  CHECK(events[2].event.reason == "cancel");
  CHECK_FALSE(events[2].fills_known);
  CHECK(events[3].fills_known);
  CHECK(events[4].event.reason == "place");
}

TEST_CASE("a version 1 database with a position side v2 refuses stays at version 1, unharmed",
          "[sqlite][schema]") {
  TempDb db;
  { Service s({db.path()}); }
  downgrade_to_v1(db.path());
  {
    SQLite::Database raw(db.path(), SQLite::OPEN_READWRITE);
    insert_raw_position(raw, "HOLD");
  }
  auto repo = SqliteRepository::open({db.path()});
  REQUIRE_FALSE(repo.ok());
  CHECK(repo.code() == Errc::Storage);
  CHECK(repo.error().message == "sqlite: CHECK constraint failed: side IN ('BUY', 'SELL')");
  SQLite::Database raw(db.path());
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == 1);
  CHECK(raw.execAndGet("SELECT side FROM positions WHERE seq = 1000").getString() == "HOLD");
  CHECK(raw.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'positions_v2'").getInt() ==
        0);
}

TEST_CASE("8 threads cancelling each of 500 orders yield exactly one success per order",
          "[sqlite][concurrency]") {
  TempDb db;
  // NORMAL durability only to keep the test quick; the locking is the same.
  Service s({db.path(), 5000, Durability::Normal});
  constexpr int kOrders = 500, kThreads = 8;
  std::vector<std::string> ids;
  for (int i = 0; i < kOrders; ++i)
    ids.push_back(s.orders.place("acct", limit_buy())->order.order_id);

  std::vector<std::atomic<int>> wins(kOrders);
  std::atomic<int> not_open{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kOrders; ++i) {
        auto r = s.orders.cancel("acct", ids[static_cast<std::size_t>(i)]);
        if (r.ok()) {
          ++wins[static_cast<std::size_t>(i)];
        } else if (r.code() == Errc::NotOpen) {
          ++not_open;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(other == 0);
  CHECK(not_open == kOrders * (kThreads - 1));
  int exactly_one = 0;
  for (auto& w : wins) exactly_one += w == 1;
  CHECK(exactly_one == kOrders);
  for (const auto& id : ids) {
    auto events = s.orders.history("acct", id);
    REQUIRE(events->size() == 2);  // place + one cancel
    CHECK(events->back().to == OrderStatus::Canceled);
  }
  CHECK(s.orders.list_positions("acct", PositionStatus::Closed)->size() == kOrders);
}

TEST_CASE("two processes cancelling the same orders yield exactly one success per order",
          "[sqlite][concurrency]") {
  TempDb db;
  constexpr int kOrders = 200;
  {
    Service s({db.path(), 5000, Durability::Normal});
    for (int i = 0; i < kOrders; ++i) REQUIRE(s.orders.place("acct", limit_buy()).ok());
  }
  int fds[2][2];
  pid_t pids[2];
  for (int p = 0; p < 2; ++p) {
    REQUIRE(pipe(fds[p]) == 0);
    pids[p] = fork();
    REQUIRE(pids[p] >= 0);
    if (pids[p] == 0) {  // child: cancel every order, report wins and failures
      Service s({db.path(), 10000, Durability::Normal});
      int result[2] = {0, 0};
      for (int i = 1; i <= kOrders; ++i) {
        auto r = s.orders.cancel("acct", "ord-20260303120000-" + std::to_string(i));
        if (r.ok())
          ++result[0];
        else if (r.code() != Errc::NotOpen)
          ++result[1];
      }
      (void)!write(fds[p][1], result, sizeof result);
      _exit(0);
    }
    close(fds[p][1]);
  }
  int wins = 0, failures = 0;
  for (int p = 0; p < 2; ++p) {
    int result[2] = {-1, -1};
    CHECK(read(fds[p][0], result, sizeof result) == sizeof result);
    close(fds[p][0]);
    int status = 0;
    waitpid(pids[p], &status, 0);
    CHECK(WIFEXITED(status));
    wins += result[0];
    failures += result[1];
  }
  CHECK(failures == 0);
  CHECK(wins == kOrders);
  Service s({db.path()});
  CHECK(s.orders.list_orders("acct", {{OrderStatus::Canceled}, std::nullopt, 1000, {}})
            ->orders.size() == kOrders);
  for (int i = 1; i <= kOrders; ++i) {
    CHECK(s.orders.history("acct", "ord-20260303120000-" + std::to_string(i))->size() == 2);
  }
}

TEST_CASE("a failing unit of work leaves no trace and does not fail its batch-mates",
          "[sqlite][concurrency]") {
  TempDb db;
  Service s({db.path(), 5000, Durability::Full});
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const bool fail = (t + i) % 3 == 0;
        auto r = s.repo->write([&](WriteTx& tx) -> Result<void> {
          auto seq = tx.next_sequence();  // a write the failing unit must undo
          if (!seq.ok()) return seq.error();
          if (fail) return invalid_argument("refused on purpose");
          const auto [o, p] = testing::bare_order(*seq);
          return tx.insert(o, p);
        });
        if (r.ok())
          ++ok;
        else if (r.code() == Errc::InvalidArgument)
          ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok + failed == kThreads * kEach);
  auto orders = s.orders.list_orders("acct", {{}, std::nullopt, 1000, {}});
  REQUIRE(orders.ok());
  CHECK(static_cast<int>(orders->orders.size()) == ok.load());
  // Sequences consumed by failed units were rolled back: the ids are dense.
  CHECK(orders->orders.front().order_id ==
        format_id(IdKind::Order, testing::kT0, static_cast<std::int64_t>(ok.load())));
}

// A unit may throw anything, not only a std::exception: it must fail alone,
// with a Storage error, and never leave the writer busy (later writes would
// wait for ever) nor kill the writer thread that serves every caller.
TEST_CASE("a unit that throws an int fails alone with a Storage error and the writer carries on",
          "[sqlite][concurrency]") {
  TempDb db;
  Service s({db.path(), 5000, Durability::Normal});
  const std::string kThrew = "unit of work threw a non-standard exception";

  // Alone, on the caller's thread, after writing: the error, and nothing kept.
  auto thrown = s.repo->write([](WriteTx& tx) -> Result<void> {
    if (auto inserted = testing::insert_next_order(tx); !inserted) return inserted;
    throw 42;
  });
  REQUIRE_FALSE(thrown.ok());
  CHECK(thrown.code() == Errc::Storage);
  CHECK(thrown.error().message == kThrew);
  auto placed = s.orders.place("acct", limit_buy());
  REQUIRE(placed.ok());
  CHECK(placed->order.order_id == "ord-20260303120000-1");  // the thrower's sequence went too

  // Batched on the writer thread: every third unit throws after its insert.
  constexpr int kThreads = 8, kEach = 30, kThrowers = 80;  // 10 of each thread's 30
  std::atomic<int> ok{0}, threw{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const bool throws = (t + i) % 3 == 0;
        auto r = s.repo->write([&](WriteTx& tx) -> Result<void> {
          if (auto inserted = testing::insert_next_order(tx); !inserted) return inserted;
          if (throws) throw 42;
          return Ok{};
        });
        if (r.ok()) {
          ++ok;
        } else if (r.code() == Errc::Storage && r.error().message == kThrew) {
          ++threw;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(other == 0);
  CHECK(threw == kThrowers);
  CHECK(ok == kThreads * kEach - kThrowers);
  auto orders = s.orders.list_orders("acct", {{}, std::nullopt, 1000, {}});
  REQUIRE(orders.ok());
  REQUIRE(orders->orders.size() == 1 + kThreads * kEach - kThrowers);
  // Only the committed units took a sequence: the ids are dense.
  CHECK(orders->orders.front().order_id ==
        format_id(IdKind::Order, testing::kT0, 1 + kThreads * kEach - kThrowers));
  CHECK(s.orders.cancel("acct", placed->order.order_id).ok());
}

TEST_CASE("a lone write runs on its caller's thread, writes queued behind one on the writer's",
          "[sqlite][concurrency]") {
  TempDb db;
  Service s({db.path(), 5000, Durability::Normal});
  std::thread::id lone;
  REQUIRE(s.repo
              ->write([&](WriteTx&) -> Result<void> {
                lone = std::this_thread::get_id();
                return Ok{};
              })
              .ok());
  CHECK(lone == std::this_thread::get_id());

  // One unit holds the writer while two more callers arrive and queue.
  std::atomic<bool> holding{false}, release{false};
  std::thread first([&] {
    (void)s.repo->write([&](WriteTx&) -> Result<void> {
      holding = true;
      while (!release) std::this_thread::yield();
      return Ok{};
    });
  });
  while (!holding) std::this_thread::yield();
  std::thread::id caller[2], ran_on[2];
  bool ok[2] = {false, false};
  std::vector<std::thread> queued;
  for (int i = 0; i < 2; ++i) {
    queued.emplace_back([&, i] {
      caller[i] = std::this_thread::get_id();
      auto r = s.repo->write([&, i](WriteTx& tx) -> Result<void> {
        ran_on[i] = std::this_thread::get_id();
        auto seq = tx.next_sequence();
        return seq.ok() ? Result<void>(Ok{}) : seq.error();
      });
      ok[i] = r.ok();  // checked below: Catch assertions are not thread-safe
    });
  }
  // Not a timing assertion: only lets both callers reach the queue first.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  release = true;
  first.join();
  for (auto& t : queued) t.join();
  CHECK(ok[0]);
  CHECK(ok[1]);
  CHECK(ran_on[0] != caller[0]);
  CHECK(ran_on[1] != caller[1]);
  CHECK(ran_on[0] == ran_on[1]);  // both on the writer thread
}

TEST_CASE("a locked database answers Unavailable after the busy timeout, then recovers",
          "[sqlite]") {
  TempDb db;
  Service s({db.path(), 100, Durability::Normal});
  const auto id = s.orders.place("acct", limit_buy())->order.order_id;
  {
    SQLite::Database other(db.path(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    auto r = s.orders.cancel("acct", id);
    REQUIRE_FALSE(r.ok());
    CHECK(r.code() == Errc::Unavailable);
    other.exec("ROLLBACK");
  }
  CHECK(s.orders.get_order("acct", id)->status == OrderStatus::Open);
  CHECK(s.orders.cancel("acct", id).ok());
}

// Memory statistics are SQLite's process-wide setting: the test shuts SQLite
// down around itself (no database is open between test cases) and restores it.
TEST_CASE("memory statistics can be turned off only before SQLite is in use", "[sqlite]") {
  REQUIRE(sqlite3_shutdown() == SQLITE_OK);
  REQUIRE(SqliteRepository::disable_memory_statistics());
  sqlite3_int64 before = 0, after = 0, high = 0;
  sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &before, &high, 0);
  {
    TempDb db;
    Service s({db.path()});
    REQUIRE(s.orders.place("acct", limit_buy()).ok());
    CHECK_FALSE(SqliteRepository::disable_memory_statistics());  // SQLite is in use now
    sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &after, &high, 0);
  }
  CHECK(after == before);  // no allocation was counted, so none took the statistics mutex
  REQUIRE(sqlite3_shutdown() == SQLITE_OK);
  REQUIRE(sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1) == SQLITE_OK);
}
