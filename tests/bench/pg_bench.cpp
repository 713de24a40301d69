// pg_bench: cancels/s on PostgreSQL, single-threaded, through the library
// (PostgresRepository + Orders) next to raw libpq running the same writes
// (conditional order update, position closure, event insert) as prepared
// statements in one transaction per cancel; then place and cancel cost with
// 10k, 100k and 1M orders in the table. Rows as core_bench prints them.
//
//   pg_bench [--uri URI] [--smoke] [--json FILE]   measure (in a fresh database
//                                                 it creates and drops)
//   pg_bench [--uri URI] --seed N                  place N open orders for account
//                                                 "bench" at 2026-03-03T12:00:00Z
//                                                 (ids ord-20260303120000-<seq>)
//   pg_bench [--uri URI] --seed N --accounts K --ids FILE
//                                                 the same, order i for account
//                                                 "bench<i mod K>"; FILE gets one
//                                                 "ACCOUNT ORDER_ID" line each
// URI defaults to ORDERSTATE_TEST_PG_URI (tests/run-with-pg.sh sets it).
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../pg_uri.hpp"
#include "orderstate/clock.hpp"
#include "orderstate/ids.hpp"
#include "orderstate/orders.hpp"
#include "orderstate/postgres_repository.hpp"
#include "report.hpp"

using namespace orderstate;
using orderstate::testing::with_database;
using namespace orderstate::bench;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "pg_bench: %s\n", what.c_str());
  std::exit(1);
}

std::unique_ptr<PostgresRepository> open_repo(const std::string& uri, bool synchronous = true) {
  PostgresOptions options;
  options.uri = uri;
  options.synchronous_commit = synchronous;
  auto repo = PostgresRepository::open(options);
  if (!repo.ok()) die("open: " + repo.error().message);
  return std::move(*repo);
}

const std::int64_t kSeedTime = unix_seconds(2026, 3, 3, 12, 0, 0);

// Places n orders for `account` over `threads` threads; their ids.
// Places n orders on `threads` threads; order i for account_of(i).
template <typename AccountOf>
std::vector<std::string> place_n(Orders& orders, AccountOf account_of, long n, int threads) {
  std::vector<std::string> ids(static_cast<size_t>(n));
  std::atomic<long> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      const PlaceRequest r{"binance", "BTC/USDT", "BUY", "LIMIT", "0.01", "50000.00", {}};
      for (long i; (i = next++) < n;) {
        auto placed = orders.place(account_of(i), r);
        if (!placed.ok()) {
          failed = true;
          return;
        }
        ids[static_cast<size_t>(i)] = placed->order.order_id;
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) die("placing orders failed");
  return ids;
}

PGconn* connect(const std::string& uri) {
  PGconn* c = PQconnectdb(uri.c_str());
  if (PQstatus(c) != CONNECTION_OK) die(std::string("connect: ") + PQerrorMessage(c));
  return c;
}

void exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    die(sql + ": " + PQresultErrorMessage(r));
  }
  PQclear(r);
}

[[gnu::noinline]] double library_cancels(Orders& orders, const std::vector<std::string>& ids) {
  const auto t0 = Steady::now();
  for (const auto& id : ids) {
    if (!orders.cancel("acct", id).ok()) die("library cancel of " + id + " failed");
  }
  return static_cast<double>(ids.size()) / seconds_since(t0);
}

void prepare(PGconn* c, const char* name, const char* sql) {
  PGresult* r = PQprepare(c, name, sql, 0, nullptr);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) die(std::string("prepare: ") + PQerrorMessage(c));
  PQclear(r);
}

PGresult* run(PGconn* c, const char* name, std::vector<const char*> params, ExecStatusType want) {
  PGresult* r =
      PQexecPrepared(c, name, static_cast<int>(params.size()), params.data(), nullptr, nullptr, 0);
  if (PQresultStatus(r) != want) die(std::string(name) + ": " + PQerrorMessage(c));
  return r;
}

// The same writes a cancel makes, by hand: one transaction each.
[[gnu::noinline]] double raw_cancels(PGconn* c, const std::vector<std::string>& ids) {
  prepare(c, "cancel_order",
          "UPDATE orders SET status = 'CANCELED', updated_at = $1 WHERE seq = $2 AND "
          "order_id = $3 AND account_id = $4 AND status = 'OPEN' RETURNING position_id");
  prepare(c, "close_position",
          "UPDATE positions SET status = 'CLOSED', updated_at = $1 WHERE seq = $2 AND "
          "position_id = $3 AND status = 'OPEN'");
  prepare(c, "append_event",
          "WITH n AS (INSERT INTO account_streams (account_id, last_seq) VALUES ('acct', 1) "
          "ON CONFLICT (account_id) DO UPDATE SET last_seq = account_streams.last_seq + 1 "
          "RETURNING last_seq) INSERT INTO order_events (order_seq, order_id, from_status, "
          "to_status, at, reason, account_id, seq, filled_amount) SELECT $1, $2, 'OPEN', "
          "'CANCELED', $3, 'cancel', 'acct', n.last_seq, '0' FROM n");
  const std::string at = format_rfc3339(kSeedTime);
  const auto t0 = Steady::now();
  for (const auto& id : ids) {
    const std::string seq = id.substr(id.rfind('-') + 1);
    exec(c, "BEGIN");
    PGresult* order =
        run(c, "cancel_order", {at.c_str(), seq.c_str(), id.c_str(), "acct"}, PGRES_TUPLES_OK);
    if (PQntuples(order) != 1) die("raw cancel of " + id + ": not open");
    const std::string position_id = PQgetvalue(order, 0, 0);
    PQclear(order);
    PGresult* closed =
        run(c, "close_position", {at.c_str(), seq.c_str(), position_id.c_str()}, PGRES_COMMAND_OK);
    if (std::strcmp(PQcmdTuples(closed), "1") != 0) die("raw close of " + position_id);
    PQclear(closed);
    PQclear(run(c, "append_event", {seq.c_str(), id.c_str(), at.c_str()}, PGRES_COMMAND_OK));
    exec(c, "COMMIT");
  }
  return static_cast<double>(ids.size()) / seconds_since(t0);
}

void core_vs_raw(const std::string& uri, int count) {
  // A fresh database of our own, dropped at the end.
  const std::string db = "orderstate_bench_" + std::to_string(getpid());
  PGconn* admin = connect(uri);
  exec(admin, "CREATE DATABASE " + db);
  const std::string bench_uri = with_database(uri, db);
  {
    FixedClock clock(kSeedTime);
    auto repo = open_repo(bench_uri);
    Orders orders(*repo, clock);
    // Both halves in one table, so both runs see the same table size.
    const std::vector<std::string> ids = place_n(
        orders, [](long) { return "acct"; }, 2L * count, 8);
    const std::vector<std::string> lib_ids(ids.begin(), ids.begin() + count);
    const std::vector<std::string> raw_ids(ids.begin() + count, ids.end());
    exec(admin, "CHECKPOINT");
    const double lib = library_cancels(orders, lib_ids);
    PGconn* c = connect(bench_uri);
    const double raw = raw_cancels(c, raw_ids);
    PQfinish(c);
    char note[64];
    std::snprintf(note, sizeof note, "ratio %.2f", lib / raw);
    report("cancel/s library, PostgreSQL, synchronous_commit=on", lib, "cancel/s", note);
    report("cancel/s raw libpq, PostgreSQL, synchronous_commit=on", raw, "cancel/s");
  }
  exec(admin, "DROP DATABASE " + db);
  PQfinish(admin);
}

// Fills the table to `count` more orders (OPEN, with their OPEN positions
// and place events) of account "filler" in one statement each: placing a
// million through the library takes minutes; the probes are what is timed.
void fill(PGconn* c, long count) {
  const std::string n = std::to_string(count);
  exec(c, "CREATE TEMP TABLE IF NOT EXISTS fill_seq (seq bigint)");
  exec(c, "TRUNCATE fill_seq");
  exec(c, "INSERT INTO fill_seq SELECT nextval('order_seq') FROM generate_series(1, " + n + ")");
  exec(c,
       "INSERT INTO orders (seq, order_id, position_id, account_id, exchange, symbol, side, type, "
       "amount, price, status, created_at, updated_at, time_in_force, filled_amount, "
       "filled_notional) SELECT seq, 'ord-20260303120000-' || seq, "
       "'pos-20260303120000-' || seq, 'filler', 'binance', 'BTC/USDT', 'BUY', 'LIMIT', '0.01', "
       "'50000.00', 'OPEN', '2026-03-03T12:00:00Z', '2026-03-03T12:00:00Z', 'GTC', '0', '0' "
       "FROM fill_seq");
  exec(c,
       "INSERT INTO positions (seq, position_id, order_id, account_id, exchange, symbol, side, "
       "size, entry_price, status, opened_at, updated_at) SELECT seq, 'pos-20260303120000-' || "
       "seq, 'ord-20260303120000-' || seq, 'filler', 'binance', 'BTC/USDT', 'BUY', '0.01', "
       "'50000.00', 'OPEN', '2026-03-03T12:00:00Z', '2026-03-03T12:00:00Z' FROM fill_seq");
  exec(c,
       "INSERT INTO account_streams (account_id, last_seq) VALUES ('filler', 0) ON CONFLICT DO "
       "NOTHING");
  exec(c,
       "WITH last AS (SELECT last_seq FROM account_streams WHERE account_id = 'filler' FOR "
       "UPDATE), e AS (INSERT INTO order_events (order_seq, order_id, to_status, at, reason, "
       "account_id, seq, filled_amount) SELECT f.seq, 'ord-20260303120000-' || f.seq, 'OPEN', "
       "'2026-03-03T12:00:00Z', 'place', 'filler', last.last_seq + row_number() OVER (ORDER BY "
       "f.seq), '0' FROM fill_seq f, last RETURNING seq) UPDATE account_streams SET last_seq = "
       "(SELECT max(seq) FROM e) WHERE account_id = 'filler'");
  // Now, not during the probes: autovacuum would otherwise start on the new
  // rows while they are timed (it did: 1.47x at 1M).
  exec(c, "VACUUM ANALYZE");
}

// Place and cancel cost through the library, single-threaded, with the table
// at each size: one database per size, filled first, then probed in
// interleaved rounds (the order of the sizes turning each round), so that the
// machine's drift falls on every size alike; the fastest round of each size
// counts (noise only ever adds time). Run one size after another, the rows
// had read 0.81x-1.40x from run to run while PostgreSQL's own execution time
// per statement (pg_stat_statements) stayed the same at every size.
// synchronous_commit=off, as core_bench's SQLite rows run at NORMAL: a WAL
// flush per operation (0.3 ms to several ms on this disk, varying from one
// minute to the next) would hide what the table's size costs.
void scaling(const std::string& uri, const std::vector<long>& sizes, int probe, int rounds) {
  struct Table {
    std::string db;
    std::unique_ptr<PostgresRepository> repo;
    std::unique_ptr<Orders> orders;
    double place_us = 1e18, cancel_us = 1e18;
  };
  FixedClock clock(kSeedTime);
  PGconn* admin = connect(uri);
  std::vector<Table> tables(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    Table& t = tables[i];
    t.db = "orderstate_scale_" + std::to_string(getpid()) + "_" + std::to_string(i);
    exec(admin, "CREATE DATABASE " + t.db);
    const std::string scale_uri = with_database(uri, t.db);
    t.repo = open_repo(scale_uri, false);
    t.orders = std::make_unique<Orders>(*t.repo, clock);
    PGconn* c = connect(scale_uri);
    exec(c, "SET client_min_messages = warning");  // not "fill_seq already exists"
    fill(c, sizes[i]);
    PQfinish(c);
  }
  exec(admin, "CHECKPOINT");
  const PlaceRequest r{"binance", "BTC/USDT", "BUY", "LIMIT", "0.01", "50000.00", {}};
  for (int round = 0; round < rounds; ++round) {
    for (size_t k = 0; k < tables.size(); ++k) {
      Table& t = tables[(k + static_cast<size_t>(round)) % tables.size()];
      std::vector<std::string> ids;
      auto t0 = Steady::now();
      for (int i = 0; i < probe; ++i) {
        auto placed = t.orders->place("acct", r);
        if (!placed.ok()) die("place: " + placed.error().message);
        ids.push_back(placed->order.order_id);
      }
      t.place_us = std::min(t.place_us, seconds_since(t0) * 1e6 / probe);
      t0 = Steady::now();
      for (const auto& id : ids) {
        if (!t.orders->cancel("acct", id).ok()) die("cancel of " + id + " failed");
      }
      t.cancel_us = std::min(t.cancel_us, seconds_since(t0) * 1e6 / probe);
    }
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    const Table& t = tables[i];
    char note[64];
    std::snprintf(note, sizeof note, "%.2fx the smallest table (target <= 1.20)",
                  t.place_us / tables[0].place_us);
    report("place, PostgreSQL async commit, " + std::to_string(sizes[i]) + " orders in table",
           t.place_us, "us/op", note);
    std::snprintf(note, sizeof note, "%.2fx the smallest table (target <= 1.20)",
                  t.cancel_us / tables[0].cancel_us);
    report("cancel, PostgreSQL async commit, " + std::to_string(sizes[i]) + " orders in table",
           t.cancel_us, "us/op", note);
  }
  for (Table& t : tables) {
    t.orders.reset();
    t.repo.reset();
    exec(admin, "DROP DATABASE " + t.db);
  }
  PQfinish(admin);
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  long seed = -1;
  long accounts = 0;  // 0: every order in "bench"
  std::string ids_file;
  std::string json;
  const char* env_uri = std::getenv("ORDERSTATE_TEST_PG_URI");
  std::string uri = env_uri != nullptr ? env_uri : "";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke")) {
      smoke = true;
    } else if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json = argv[++i];
    } else if (!std::strcmp(argv[i], "--uri") && i + 1 < argc) {
      uri = argv[++i];
    } else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = std::atol(argv[++i]);
    } else if (!std::strcmp(argv[i], "--accounts") && i + 1 < argc) {
      accounts = std::atol(argv[++i]);
    } else if (!std::strcmp(argv[i], "--ids") && i + 1 < argc) {
      ids_file = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: pg_bench [--uri URI] [--smoke] [--json FILE] "
                   "[--seed N [--accounts K --ids FILE]]\n");
      return 2;
    }
  }
  if (uri.empty()) {
    std::printf(
        "pg_bench: no --uri and no ORDERSTATE_TEST_PG_URI: skipped "
        "(run it with tests/run-with-pg.sh)\n");
    return 0;
  }
  if (seed >= 0) {
    FixedClock clock(kSeedTime);
    auto repo = open_repo(uri);
    Orders orders(*repo, clock);
    if (accounts <= 0) {
      place_n(
          orders, [](long) { return "bench"; }, seed, 8);
      return 0;
    }
    auto account_of = [&](long i) { return "bench" + std::to_string(i % accounts); };
    const std::vector<std::string> ids = place_n(orders, account_of, seed, 8);
    std::FILE* out = std::fopen(ids_file.c_str(), "w");
    if (out == nullptr) die("cannot write " + ids_file);
    for (long i = 0; i < seed; ++i) {
      std::fprintf(out, "%s %s\n", account_of(i).c_str(), ids[static_cast<size_t>(i)].c_str());
    }
    if (std::fclose(out) != 0) die("cannot write " + ids_file);
    return 0;
  }
  std::printf("%-58s %12s %-9s %s\n", "benchmark (PostgreSQL, one thread)", "value", "unit",
              "note");
  core_vs_raw(uri, smoke ? 200 : 5000);
  if (smoke) {
    scaling(uri, {100, 1000}, 20, 2);
  } else {
    scaling(uri, {10000, 100000, 1000000}, 300, 7);
  }
  if (!json.empty() && !write_json(json)) die("cannot write " + json);
  return 0;
}
