#include "storage.hpp"

#if defined(ORDERSTATE_SERVER_WITH_POSTGRES) && defined(__SANITIZE_ADDRESS__)
// libpqxx 6.4 leaks a little per lost connection (its bug, not ours); under
// LeakSanitizer that would fail every PostgreSQL outage test at exit.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpqxx\n";
}
#endif

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "orderstate/sqlite_repository.hpp"
#ifdef ORDERSTATE_SERVER_WITH_POSTGRES
#include "orderstate/postgres_repository.hpp"
#endif

namespace orderstate::server {
namespace {

std::unique_ptr<Repository> open_sqlite(const Flags& flags, std::string& error) {
  // SQLite opens a file it may not write read-only without a word (in a
  // writable directory), and every write would then fail: refuse instead.
  if (flags.db != ":memory:" && access(flags.db.c_str(), W_OK) != 0 && errno != ENOENT) {
    error = "cannot open " + flags.db + ": " + std::strerror(errno);
    return nullptr;
  }
  SqliteOptions options;
  options.path = flags.db;
  options.durability = flags.durability;
  auto repo = SqliteRepository::open(options);
  if (!repo.ok()) {
    error = "cannot open " + flags.db + ": " + repo.error().message;
    return nullptr;
  }
  return std::move(*repo);
}

#ifdef ORDERSTATE_SERVER_WITH_POSTGRES
constexpr auto kStartupRetry = std::chrono::seconds(30);

// main blocks SIGINT/SIGTERM for its signal thread, not yet started here:
// one that came while we wait for the database ends the wait.
bool stop_requested() {
  sigset_t pending;
  sigemptyset(&pending);
  return sigpending(&pending) == 0 &&
         (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1);
}

std::unique_ptr<Repository> open_postgres(const Flags& flags, std::string& error) {
  PostgresOptions options;
  options.uri = flags.db;
  // A reader per request thread, stream workers included: a stream read
  // must never wait for a connection a request thread holds, nor the reverse.
  options.pool_size = flags.threads + stream_threads(flags);
  // Never print the URI: it may carry a password.
  const auto deadline = std::chrono::steady_clock::now() + kStartupRetry;
  bool told = false;
  while (true) {
    auto repo = PostgresRepository::open(options);
    if (repo.ok()) return std::move(*repo);
    const bool retry = repo.error().code == Errc::Unavailable &&
                       std::chrono::steady_clock::now() < deadline && !stop_requested();
    if (!retry) {
      error = "cannot open the PostgreSQL database: " + repo.error().message;
      return nullptr;
    }
    if (!told) {
      std::fprintf(stderr,
                   "orderstate-server: PostgreSQL unreachable (%s); retrying for up to %lld s\n",
                   repo.error().message.c_str(), static_cast<long long>(kStartupRetry.count()));
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}
#endif

}  // namespace

int stream_threads(const Flags& flags) {
  // One by default: subscribers then never take more than a core's worth
  // from the writes (p99 of the cancels with 200 subscribers: 8.5-9 ms with
  // one, 14-18 ms with four, tests/bench/stream_run.sh); PostgreSQL's reads
  // wait on a round trip, so there they need a few.
  if (flags.stream_threads > 0) return flags.stream_threads;
  return is_postgres_uri(flags.db) ? 4 : 1;
}

bool is_postgres_uri(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Repository> open_repository(const Flags& flags, std::string& error) {
  if (!is_postgres_uri(flags.db)) return open_sqlite(flags, error);
#ifdef ORDERSTATE_SERVER_WITH_POSTGRES
  return open_postgres(flags, error);
#else
  error = "--db names a PostgreSQL database, but this build has no PostgreSQL support";
  return nullptr;
#endif
}

}  // namespace orderstate::server
