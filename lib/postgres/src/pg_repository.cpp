#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "orderstate/postgres_repository.hpp"
#include "pg_connection.hpp"
#include "pg_queries.hpp"
#include "pg_writer.hpp"

namespace orderstate {

namespace {

using pg::Connection;
using pg::Lock;

// At most `size` read connections open at once; idle ones are kept. Each
// read runs in autocommit on a connection of its own.
class ReaderPool {
 public:
  ReaderPool(std::string conninfo, int size) : conninfo_(std::move(conninfo)), size_(size) {}

  // Runs `fn` on a pooled connection. A kept connection found dead (the
  // server restarted since its last use) is dropped and the read tried once
  // more on a new one: reads have no effects to repeat.
  template <typename Fn>
  auto run(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    for (int attempt = 0;; ++attempt) {
      auto [conn, reused] = acquire();
      if (!conn) {
        auto opened = Connection::open(conninfo_);
        if (!opened.ok()) {
          release(nullptr);
          return opened.error();
        }
        conn = std::move(opened).value();
      }
      auto result = conn->guard([&] { return fn(*conn); });
      const bool lost = conn->lost();
      release(lost ? nullptr : std::move(conn));
      if (!lost || !reused || attempt > 0) return result;
    }
  }

 private:
  // An idle connection (reused), or a null one the caller must open: a slot
  // is reserved for it either way. Waits while all `size_` are in use.
  std::pair<std::unique_ptr<Connection>, bool> acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return {std::move(conn), true};
    }
    ++open_;
    return {nullptr, false};
  }

  // Returns a slot; a null `conn` closes it.
  void release(std::unique_ptr<Connection> conn) {
    {
      std::lock_guard lock(mu_);
      if (conn) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
  }

  const std::string conninfo_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mu_)
  int open_ = 0;                                   // GUARDED_BY(mu_): idle + in use
};

}  // namespace

struct PostgresRepository::Impl {
  Impl(const std::string& conninfo, const PostgresOptions& options,
       std::unique_ptr<pg::Connection> writer_conn)
      : writer(conninfo, options.max_batch, options.writers, std::move(writer_conn)),
        readers(conninfo, options.pool_size) {}

  // One queue, `writers` connections: whichever is free takes what is
  // queued, so several transactions run at once (one's round trips and
  // commit overlap another's) and no unit waits behind a busy connection
  // while another is idle.
  pg::Writer writer;
  ReaderPool readers;
};

Result<std::unique_ptr<PostgresRepository>> PostgresRepository::open(
    const PostgresOptions& options) {
  if (options.pool_size < 1 || options.max_batch < 1 || options.writers < 1 ||
      options.connect_timeout_s < 0 || options.lock_timeout_ms < 0) {
    return invalid_argument("invalid PostgresOptions");
  }
  auto conninfo = pg::build_conninfo(options);
  if (!conninfo.ok()) return conninfo.error();
  auto conn = pg::Connection::open(*conninfo);
  if (!conn.ok()) return conn.error();
  if (auto migrated = pg::migrate(**conn); !migrated) return migrated.error();
  // The connection that migrated becomes the writer's.
  auto impl = std::make_unique<Impl>(*conninfo, options, std::move(conn).value());
  return std::unique_ptr<PostgresRepository>(new PostgresRepository(std::move(impl)));
}

PostgresRepository::PostgresRepository(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresRepository::~PostgresRepository() = default;

int PostgresRepository::schema_version() {
  return pg::latest_schema_version();
}

Result<void> PostgresRepository::write(const Work& work) {
  return impl_->writer.write(work);
}

Result<OrderRecord> PostgresRepository::get_order(std::string_view account, std::string_view id) {
  return impl_->readers.run(
      [&](pg::Connection& c) { return pg::find_order(c, account, id, pg::Lock::None); });
}

Result<std::vector<OrderRecord>> PostgresRepository::list_orders(std::string_view account,
                                                                 const OrderFilter& filter) {
  return impl_->readers.run([&](pg::Connection& c) -> Result<std::vector<OrderRecord>> {
    return pg::list_orders(c, account, filter);
  });
}

Result<std::vector<OrderEvent>> PostgresRepository::order_events(std::string_view account,
                                                                 std::string_view id) {
  return impl_->readers.run([&](pg::Connection& c) { return pg::order_events(c, account, id); });
}

Result<std::vector<StreamEvent>> PostgresRepository::account_events(std::string_view account,
                                                                    std::int64_t after_seq,
                                                                    int limit) {
  return impl_->readers.run([&](pg::Connection& c) -> Result<std::vector<StreamEvent>> {
    return pg::account_events(c, account, after_seq, limit);
  });
}

Result<std::vector<std::string>> PostgresRepository::stream_accounts() {
  return impl_->readers.run([&](pg::Connection& c) -> Result<std::vector<std::string>> {
    return pg::stream_accounts(c);
  });
}

Result<PositionRecord> PostgresRepository::get_position(std::string_view account,
                                                        std::string_view id) {
  return impl_->readers.run(
      [&](pg::Connection& c) { return pg::find_position(c, account, id, pg::Lock::None); });
}

Result<std::vector<PositionRecord>> PostgresRepository::list_positions(
    std::string_view account, std::optional<PositionStatus> status) {
  return impl_->readers.run([&](pg::Connection& c) -> Result<std::vector<PositionRecord>> {
    return pg::positions_in(c, account, status, std::nullopt, std::nullopt, pg::Lock::None);
  });
}

Result<std::vector<OrderRecord>> PostgresRepository::pending_orders(
    std::string_view account, std::span<const OrderStatus> statuses, std::string_view cutoff,
    int limit, const std::optional<InFlightCursor>& after) {
  return impl_->readers.run([&](pg::Connection& c) -> Result<std::vector<OrderRecord>> {
    return pg::pending_orders(c, account, statuses, cutoff, limit, after);
  });
}

Result<std::int64_t> PostgresRepository::count_orders(std::string_view account,
                                                      OrderStatus status) {
  return impl_->readers.run([&](pg::Connection& c) -> Result<std::int64_t> {
    return pg::count_orders(c, account, status);
  });
}

Result<void> PostgresRepository::ping() {
  return impl_->readers.run([&](pg::Connection& c) -> Result<void> {
    c.exec("SELECT 1");
    return Ok{};
  });
}

}  // namespace orderstate
