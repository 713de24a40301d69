// Shared by the core tests: a fresh in-memory service, a temp database file,
// and a typical placement.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"

namespace orderstate::testing {

inline const std::int64_t kT0 = unix_seconds(2026, 3, 3, 12, 0, 0);

inline std::unique_ptr<SqliteRepository> open_or_die(const SqliteOptions& options) {
  auto repo = SqliteRepository::open(options);
  if (!repo.ok()) throw std::runtime_error(repo.error().message);
  return std::move(repo).value();
}

struct Service {
  explicit Service(SqliteOptions options = {":memory:"})
      : repo(open_or_die(options)), clock(kT0), orders(*repo, clock) {}
  std::unique_ptr<SqliteRepository> repo;
  FixedClock clock;
  Orders orders;
};

inline PlaceRequest limit_buy(std::string amount = "0.01", std::string price = "50000.00") {
  return {"binance", "BTC/USDT", "BUY", "LIMIT", std::move(amount), std::move(price), {}};
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
