// Shared by the core tests: a fresh service, a temp database file, and a
// typical placement. A default-constructed Service runs on SQLite ":memory:",
// or, when ORDERSTATE_TEST_PG_URI is set (tests/run-with-pg.sh sets it), in a
// fresh PostgreSQL schema: the same [orders] tests prove both backends.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "orderstate/ids.hpp"
#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"
#if ORDERSTATE_TEST_WITH_POSTGRES
#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "orderstate/postgres_repository.hpp"
#endif

namespace orderstate::testing {

inline const std::int64_t kT0 = unix_seconds(2026, 3, 3, 12, 0, 0);

inline std::unique_ptr<SqliteRepository> open_or_die(const SqliteOptions& options) {
  auto repo = SqliteRepository::open(options);
  if (!repo.ok()) throw std::runtime_error(repo.error().message);
  return std::move(repo).value();
}

// The PostgreSQL server to test against (a libpq URI), or null.
inline const char* pg_test_uri() {
  const char* uri = std::getenv("ORDERSTATE_TEST_PG_URI");
  return uri && *uri ? uri : nullptr;
}

#if ORDERSTATE_TEST_WITH_POSTGRES
// `uri` with its search_path set to `schema` alone; URI or key=value form.
inline std::string with_search_path(const std::string& uri, const std::string& schema) {
  if (uri.find("://") == std::string::npos) {
    return uri + " options='-csearch_path=" + schema + "'";  // the last setting wins
  }
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

// A fresh, empty schema on the test server, dropped with this object. Much
// cheaper than a database per test (no template copy, no checkpoint), and
// the repository's tables, sequence and schema_version all land in it.
class TempPgSchema {
 public:
  explicit TempPgSchema(std::string admin_uri) : admin_(std::move(admin_uri)) {
    static std::atomic<int> n{0};
    name_ = "orderstate_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    admin("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
  }
  ~TempPgSchema() {
    try {
      admin("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    } catch (const std::exception&) {  // the server is gone
    }
  }
  TempPgSchema(const TempPgSchema&) = delete;
  TempPgSchema& operator=(const TempPgSchema&) = delete;
  std::string uri() const { return with_search_path(admin_, name_); }

 private:
  void admin(const std::string& sql) const {
    pqxx::connection c(admin_);
    pqxx::nontransaction tx(c);
    tx.exec("SET client_min_messages = warning; " + sql);
  }
  std::string admin_;
  std::string name_;
};

inline std::unique_ptr<PostgresRepository> open_or_die(const PostgresOptions& options) {
  auto repo = PostgresRepository::open(options);
  if (!repo.ok()) throw std::runtime_error(repo.error().message);
  return std::move(repo).value();
}
#else
class TempPgSchema {
 public:
  explicit TempPgSchema(const std::string&) {
    throw std::runtime_error(
        "ORDERSTATE_TEST_PG_URI is set but the tests were built without "
        "PostgreSQL (ORDERSTATE_WITH_POSTGRES=OFF)");
  }
  std::string uri() const { return {}; }
};
#endif

struct Service {
  // SQLite ":memory:", or a fresh PostgreSQL schema (see the file comment).
  Service()
      : pg_schema(pg_test_uri() ? std::make_unique<TempPgSchema>(pg_test_uri()) : nullptr),
        repo(pg_schema ? open_backend(pg_schema->uri()) : open_or_die(SqliteOptions{":memory:"})),
        clock(kT0),
        orders(*repo, clock) {}
  // Always SQLite: for the tests of the SQLite backend itself.
  explicit Service(SqliteOptions options)
      : repo(open_or_die(options)), clock(kT0), orders(*repo, clock) {}

  std::unique_ptr<TempPgSchema> pg_schema;  // outlives repo
  std::unique_ptr<Repository> repo;
  FixedClock clock;
  Orders orders;

 private:
  static std::unique_ptr<Repository> open_backend([[maybe_unused]] const std::string& uri) {
#if ORDERSTATE_TEST_WITH_POSTGRES
    PostgresOptions options;
    options.uri = uri;
    return open_or_die(options);
#else
    return nullptr;
#endif
  }
};

inline PlaceRequest limit_buy(std::string amount = "0.01", std::string price = "50000.00") {
  return {"binance", "BTC/USDT", "BUY", "LIMIT", std::move(amount), std::move(price), {}};
}

// A unit's typical writes, for tests of the write path: takes the next
// sequence and inserts an order and its position under it. The order's id,
// when the insert succeeded, goes to `inserted_id`.
// A decimal from text known to be valid (parse_stored: any length).
inline Decimal dec(std::string_view text) {
  return Decimal::parse_stored(text).value();
}

// A minimal OPEN order of 1 at 0 on "acct" and its position, with the ID of
// `seq`, for tests that write through WriteTx directly.
inline std::pair<OrderRecord, PositionRecord> bare_order(std::int64_t seq) {
  OrderRecord o;
  o.order_id = format_id(IdKind::Order, kT0, seq);
  o.position_id = format_id(IdKind::Position, kT0, seq);
  o.account_id = "acct";
  o.exchange = "x";
  o.symbol = "S";
  o.amount = *Decimal::parse("1");
  o.created_at = o.updated_at = "t";
  PositionRecord p;
  p.position_id = o.position_id;
  p.order_id = o.order_id;
  p.account_id = o.account_id;
  p.exchange = o.exchange;
  p.symbol = o.symbol;
  p.size = o.amount;
  p.opened_at = p.updated_at = "t";
  return {o, p};
}

inline Result<void> insert_next_order(WriteTx& tx, std::string* inserted_id = nullptr) {
  auto seq = tx.next_sequence();
  if (!seq.ok()) return seq.error();
  const auto [o, p] = bare_order(*seq);
  if (auto inserted = tx.insert(o, p); !inserted) return inserted;
  if (inserted_id) *inserted_id = o.order_id;
  return Ok{};
}

// A database file in a fresh temp directory, removed with its WAL files.
class TempDb {
 public:
  TempDb() {
    static std::atomic<int> n{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("orderstate-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TempDb() { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "orders.db").string(); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace orderstate::testing
