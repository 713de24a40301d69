// Cancels per second through orderstate::Orders next to a raw sqlite3 C API
// baseline doing the same work with cached statements, in three storage
// modes; group commit under 16 threads; place/cancel cost as the table grows.
// Prints a table and writes JSON rows. `--smoke` runs tiny sizes (ctest).
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"
#include "report.hpp"

using namespace orderstate;
using namespace orderstate::bench;

namespace {

struct Mode {
  const char* name;
  bool file;
  Durability durability;
};

std::string fresh_path(const std::string& dir, const char* tag) {
  const std::string path = dir + "/" + tag + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

std::unique_ptr<SqliteRepository> open_repo(const std::string& path, Durability d,
                                            int batch = 512) {
  auto repo = SqliteRepository::open({path, 5000, d, 16, batch});
  if (!repo.ok()) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), repo.error().message.c_str());
    std::exit(1);
  }
  return std::move(repo).value();
}

// Places n orders; returns their ids.
std::vector<std::string> place_n(Orders& orders, int n) {
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(n));
  const PlaceRequest r{"binance", "BTC/USDT", "BUY", "LIMIT", "0.01", "50000.00", {}};
  for (int i = 0; i < n; ++i) ids.push_back(orders.place("acct", r)->order.order_id);
  return ids;
}

[[gnu::noinline]] double library_cancels(Orders& orders, const std::vector<std::string>& ids) {
  const auto t0 = Steady::now();
  for (const auto& id : ids) {
    if (!orders.cancel("acct", id).ok()) std::abort();
  }
  return static_cast<double>(ids.size()) / seconds_since(t0);
}

sqlite3_stmt* raw_prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
    std::abort();
  }
  return s;
}

void raw_step(sqlite3_stmt* s) {
  if (sqlite3_step(s) != SQLITE_DONE) std::abort();
  sqlite3_reset(s);
}

// The same cancel with the sqlite3 C API: one IMMEDIATE transaction with the
// conditional order update, the position closure and the event insert.
[[gnu::noinline]] double raw_cancels(sqlite3* db, const std::vector<std::string>& ids) {
  sqlite3_stmt* begin = raw_prepare(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = raw_prepare(db, "COMMIT");
  sqlite3_stmt* order = raw_prepare(db,
                                    "UPDATE orders SET status = 'CANCELED', updated_at = ?1 "
                                    "WHERE seq = ?2 AND order_id = ?3 AND status = 'OPEN'");
  sqlite3_stmt* position = raw_prepare(
      db,
      "UPDATE positions SET status = 'CLOSED', updated_at = ?1 WHERE seq = ?2 AND status = 'OPEN'");
  // The stream number (issue 16), as the library counts it.
  sqlite3_stmt* counter =
      raw_prepare(db,
                  "INSERT INTO account_streams (account_id, last_seq) VALUES ('acct', 1) "
                  "ON CONFLICT (account_id) DO UPDATE SET last_seq = last_seq + 1");
  sqlite3_stmt* event = raw_prepare(
      db,
      "INSERT INTO order_events (order_seq, order_id, from_status, to_status, at, reason, "
      "account_id, seq, filled_amount) VALUES (?1, ?2, 'OPEN', 'CANCELED', ?3, 'cancel', 'acct', "
      "(SELECT last_seq FROM account_streams WHERE account_id = 'acct'), '0')");
  const char* at = "2026-03-03T12:05:00Z";
  const auto t0 = Steady::now();
  for (const auto& id : ids) {
    const sqlite3_int64 seq = std::stoll(id.substr(id.rfind('-') + 1));
    raw_step(begin);
    sqlite3_bind_text(order, 1, at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(order, 2, seq);
    sqlite3_bind_text(order, 3, id.c_str(), static_cast<int>(id.size()), SQLITE_STATIC);
    raw_step(order);
    if (sqlite3_changes(db) != 1) std::abort();
    sqlite3_bind_text(position, 1, at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(position, 2, seq);
    raw_step(position);
    raw_step(counter);
    sqlite3_bind_int64(event, 1, seq);
    sqlite3_bind_text(event, 2, id.c_str(), static_cast<int>(id.size()), SQLITE_STATIC);
    sqlite3_bind_text(event, 3, at, -1, SQLITE_STATIC);
    raw_step(event);
    raw_step(commit);
  }
  const double rate = static_cast<double>(ids.size()) / seconds_since(t0);
  for (sqlite3_stmt* s : {begin, commit, order, position, counter, event}) sqlite3_finalize(s);
  return rate;
}

void core_vs_raw(const std::string& dir, int n) {
  const Mode modes[] = {{"memory", false, Durability::Normal},
                        {"file WAL synchronous=NORMAL", true, Durability::Normal},
                        {"file WAL synchronous=FULL", true, Durability::Full}};
  for (const Mode& m : modes) {
    const int count = m.durability == Durability::Full ? n / 10 : n;
    FixedClock clock(unix_seconds(2026, 3, 3, 12, 0, 0));  // same ids in every database
    // Library: its own database, seeded then reopened so both sides start
    // from a checkpointed file with an empty WAL.
    const std::string lib_path = m.file ? fresh_path(dir, "lib") : ":memory:";
    auto repo = open_repo(lib_path, m.durability);
    auto ids = place_n(*std::make_unique<Orders>(*repo, clock), count);
    if (m.file) {
      repo.reset();
      repo = open_repo(lib_path, m.durability);
    }
    Orders orders(*repo, clock);
    const double lib = library_cancels(orders, ids);
    // Baseline: a database made the same way, driven through the C API.
    double raw = 0;
    if (m.file) {
      const std::string raw_path = fresh_path(dir, "raw");
      {
        auto seed = open_repo(raw_path, m.durability);
        Orders seeded(*seed, clock);
        place_n(seeded, count);
      }
      sqlite3* db = nullptr;
      sqlite3_open(raw_path.c_str(), &db);
      sqlite3_exec(db,
                   m.durability == Durability::Full ? "PRAGMA synchronous=FULL"
                                                    : "PRAGMA synchronous=NORMAL",
                   nullptr, nullptr, nullptr);
      raw = raw_cancels(db, ids);
      sqlite3_close(db);
    } else {
      // In memory the baseline must build its own copy of the schema and rows.
      const std::string mem_path = fresh_path(dir, "mem-seed");
      {
        auto seed = open_repo(mem_path, Durability::Normal);
        Orders seeded(*seed, clock);
        place_n(seeded, count);
      }
      sqlite3* src = nullptr;
      sqlite3* db = nullptr;
      sqlite3_open(mem_path.c_str(), &src);
      sqlite3_open(":memory:", &db);
      sqlite3_backup* copy = sqlite3_backup_init(db, "main", src, "main");
      if (!copy || sqlite3_backup_step(copy, -1) != SQLITE_DONE) std::abort();
      sqlite3_backup_finish(copy);
      sqlite3_close(src);
      raw = raw_cancels(db, ids);
      sqlite3_close(db);
    }
    char note[64];
    std::snprintf(note, sizeof note, "ratio %.2f (target >= 0.80)", lib / raw);
    report(std::string("cancel/s library, ") + m.name, lib, "cancel/s", note);
    report(std::string("cancel/s raw sqlite3, ") + m.name, raw, "cancel/s");
  }
}

// 16 threads cancelling distinct orders: group commit vs one transaction each.
void group_commit(const std::string& dir, int n) {
  struct Case {
    const char* name;
    Durability d;
    int batch;
    double rate = 0;
  };
  Case cases[] = {{"FULL, one transaction per cancel", Durability::Full, 1},
                  {"FULL, group commit", Durability::Full, 512},
                  {"NORMAL, group commit", Durability::Normal, 512}};
  for (Case& c : cases) {
    FixedClock clock(unix_seconds(2026, 3, 3, 12, 0, 0));  // same ids in every database
    auto repo = open_repo(fresh_path(dir, "gc"), c.d, c.batch);
    Orders orders(*repo, clock);
    const auto ids = place_n(orders, n);
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> threads;
    const auto t0 = Steady::now();
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&] {
        for (std::size_t i; (i = next++) < ids.size();) {
          if (!orders.cancel("acct", ids[i]).ok()) std::abort();
        }
      });
    }
    for (auto& t : threads) t.join();
    c.rate = static_cast<double>(ids.size()) / seconds_since(t0);
  }
  char note[96];
  std::snprintf(note, sizeof note,
                "%.1fx one transaction each (target >= 5), %.2f of NORMAL (>= 0.5)",
                cases[1].rate / cases[0].rate, cases[1].rate / cases[2].rate);
  for (const Case& c : cases) {
    report(std::string("cancel/s 16 threads, file ") + c.name, c.rate, "cancel/s",
           &c == &cases[1] ? note : "");
  }
}

// Issue 14: trade reports through the library at FULL with 16 threads (group
// commit) beside cancels, on the same database: each order of one half gets
// one partial trade report (a distinct exec_id), each of the other half a
// cancel. Three rounds each, interleaved; the best of each is kept (noise on
// a shared machine only ever takes rate away).
void trade_reports(const std::string& dir, int n) {
  FixedClock clock(unix_seconds(2026, 3, 3, 12, 0, 0));
  auto repo = open_repo(fresh_path(dir, "trades"), Durability::Full);
  Orders orders(*repo, clock);
  auto run = [&](const std::vector<std::string>& ids, bool trade) {
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> threads;
    const auto t0 = Steady::now();
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&] {
        for (std::size_t i; (i = next++) < ids.size();) {
          const bool ok = trade ? orders
                                      .apply_execution("acct", {.exec_id = "x" + ids[i],
                                                                .order_id = ids[i],
                                                                .kind = ExecKind::Trade,
                                                                .last_amount = "0.004",
                                                                .last_price = "50010.00"})
                                      .ok()
                                : orders.cancel("acct", ids[i]).ok();
          if (!ok) std::abort();
        }
      });
    }
    for (auto& t : threads) t.join();
    return static_cast<double>(ids.size()) / seconds_since(t0);
  };
  double cancels = 0, trades = 0;
  for (int round = 0; round < 3; ++round) {
    const auto for_cancel = place_n(orders, n);
    const auto for_trade = place_n(orders, n);
    cancels = std::max(cancels, run(for_cancel, false));
    trades = std::max(trades, run(for_trade, true));
  }
  char note[64];
  std::snprintf(note, sizeof note, "%.2f of the cancel rate (target >= 0.80)", trades / cancels);
  report("trade reports/s 16 threads, file FULL, group commit", trades, "report/s", note);
  report("cancel/s 16 threads, same database", cancels, "cancel/s");
}

// Issue 15: the exchange round trip at FULL with 16 threads: a pending
// place (the intent, durable), the venue's NEW, then a TRADE report; three
// writes per order. Reported as round trips per second and writes per second.
void round_trips(const std::string& dir, int n) {
  FixedClock clock(unix_seconds(2026, 3, 3, 12, 0, 0));
  auto repo = open_repo(fresh_path(dir, "round"), Durability::Full);
  Orders orders(*repo, clock);
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  const auto t0 = Steady::now();
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      PlaceRequest r{"binance", "BTC/USDT", "BUY", "LIMIT", "0.01", "50000.00", {}};
      r.pending = true;
      for (int i; (i = next++) < n;) {
        auto placed = orders.place("acct", r);
        if (!placed.ok()) std::abort();
        const std::string& id = placed->order.order_id;
        const bool ok =
            orders
                .apply_execution("acct",
                                 {.exec_id = "n" + id, .order_id = id, .kind = ExecKind::New})
                .ok() &&
            orders
                .apply_execution("acct", {.exec_id = "t" + id,
                                          .order_id = id,
                                          .kind = ExecKind::Trade,
                                          .last_amount = "0.004",
                                          .last_price = "50010.00"})
                .ok();
        if (!ok) std::abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  const double rate = n / seconds_since(t0);
  char note[64];
  std::snprintf(note, sizeof note, "%.0f writes/s (pending place + NEW + TRADE)", 3 * rate);
  report("round trips/s 16 threads, file FULL, group commit", rate, "order/s", note);
}

// Place and cancel cost with the table at several sizes. Each size takes the
// fastest of three rounds: noise on a shared machine only ever adds time.
void scaling(const std::string& dir, const std::vector<int>& sizes, int probe) {
  FixedClock clock(unix_seconds(2026, 3, 3, 12, 0, 0));  // same ids in every database
  auto repo = open_repo(fresh_path(dir, "scale"), Durability::Normal);
  Orders orders(*repo, clock);
  int have = 0;
  double first_place = 0, first_cancel = 0;
  for (int size : sizes) {
    place_n(orders, size - have);
    have = size;
    double place_us = 1e18, cancel_us = 1e18;
    for (int round = 0; round < 3; ++round) {
      auto t0 = Steady::now();
      const auto ids = place_n(orders, probe);
      place_us = std::min(place_us, seconds_since(t0) * 1e6 / probe);
      t0 = Steady::now();
      for (const auto& id : ids) (void)orders.cancel("acct", id);
      cancel_us = std::min(cancel_us, seconds_since(t0) * 1e6 / probe);
      have += probe;
    }
    if (first_place == 0) first_place = place_us, first_cancel = cancel_us;
    char note[64];
    std::snprintf(note, sizeof note, "%.2fx the smallest table (target <= 1.20)",
                  place_us / first_place);
    report("place, file NORMAL, " + std::to_string(size) + " orders in table", place_us, "us/op",
           note);
    std::snprintf(note, sizeof note, "%.2fx the smallest table (target <= 1.20)",
                  cancel_us / first_cancel);
    report("cancel, file NORMAL, " + std::to_string(size) + " orders in table", cancel_us, "us/op",
           note);
  }
  // The metrics gauge's query over the whole table (all but the probes are
  // still OPEN): a count in the status index, no records read.
  double count_ms = 1e18;
  std::int64_t open = 0;
  for (int round = 0; round < 3; ++round) {
    const auto t0 = Steady::now();
    open = orders.count_orders("acct", OrderStatus::Open).value();
    count_ms = std::min(count_ms, seconds_since(t0) * 1e3);
  }
  report("count OPEN orders, " + std::to_string(open) + " open", count_ms, "ms",
         "the /metrics gauge's query");
}

}  // namespace

int main(int argc, char** argv) {
  // As orderstate-server does: a global mutex per SQLite allocation otherwise.
  if (!SqliteRepository::disable_memory_statistics())
    std::fprintf(stderr, "SQLite already in use\n");
  bool smoke = false;
  std::string only;  // core | group | trades | round | scaling; empty: all
  std::string json, dir = std::filesystem::temp_directory_path() / "orderstate-bench";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke"))
      smoke = true;
    else if (!std::strcmp(argv[i], "--json") && i + 1 < argc)
      json = argv[++i];
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc)
      only = argv[++i];
  }
  std::filesystem::create_directories(dir);
  std::printf("%-58s %12s %-9s %s\n", "benchmark", "value", "unit", "note");
  if (only.empty() || only == "core") core_vs_raw(dir, smoke ? 200 : 20000);
  if (only.empty() || only == "group") group_commit(dir, smoke ? 200 : 16000);
  if (only.empty() || only == "trades") trade_reports(dir, smoke ? 200 : 16000);
  if (only.empty() || only == "round") round_trips(dir, smoke ? 200 : 8000);
  if (only.empty() || only == "scaling") {
    scaling(dir, smoke ? std::vector<int>{100, 1000} : std::vector<int>{10000, 100000, 1000000},
            smoke ? 50 : 2000);
  }
  if (!json.empty()) (void)write_json(json);
  std::filesystem::remove_all(dir);
  return 0;
}
