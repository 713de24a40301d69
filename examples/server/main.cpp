// orderstate-server: the HTTP adapter over a SQLite file or a PostgreSQL
// database (storage.cpp picks by --db). Flags, logging, transport (HTTP or
// HTTPS) and signals live here; everything else is the library's.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "access_log.hpp"
#include "edge_server.hpp"
#include "flags.hpp"
#include "orderstate/http/metrics.hpp"
#include "orderstate/http/routes.hpp"
#include "orderstate/orders.hpp"
#include "orderstate/sqlite_repository.hpp"
#include "retention.hpp"
#include "storage.hpp"
#include "transport.hpp"

namespace {

using namespace orderstate;

// 16 random bytes from /dev/urandom, as hex; empty when unreadable.
std::string random_key() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  unsigned char bytes[16];
  if (!in.read(reinterpret_cast<char*>(bytes), sizeof bytes)) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  for (unsigned char b : bytes) key += {kHex[b >> 4], kHex[b & 15]};
  return key;
}

// The edge's settings from the flags: 5 s to send a request, 5 s of idle
// keep-alive, at most 1000 requests a connection, 64 KiB heads and bodies.
server::EdgeOptions edge_options(const server::Flags& flags, SSL_CTX* tls) {
  server::EdgeOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.threads = flags.threads;
  options.background_threads = server::stream_threads(flags);
  // Not for :memory:, whose reads run under the writer's lock: a nice-19
  // reader would stall every write.
  if (flags.db != ":memory:") options.background = server::is_stream_read;
  options.max_connections = static_cast<std::size_t>(flags.max_connections);
  options.limits.max_body_bytes = http::kDefaultPayloadMaxLength;
  options.tls = tls;
  return options;
}

void configure(httplib::Server& server, const server::Flags& flags,
               std::shared_ptr<http::Metrics> metrics) {
  http::install_default_handlers(server, http::kDefaultPayloadMaxLength, std::move(metrics));
  server::log_requests(server, flags.log_format);
  // The Keep-Alive header httplib writes: the edge's idle timeout and count.
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(5);
}

void print_generated_key(const server::Flags& flags, int port, const std::string& key) {
  std::printf(
      "no --api-key given; generated a key for account \"default\" (shown once):\n"
      "  %s\n"
      "try:\n"
      "  curl -s %s://%s:%d/api/v1/trading/positions -H 'Authorization: Bearer %s'\n",
      key.c_str(), server::scheme(flags), flags.host.c_str(), port, key.c_str());
}

// Waits for SIGINT/SIGTERM (blocked in every thread), then stops the server
// once it is running. Woken with done=true when the server ended on its own.
void wait_for_signal(const sigset_t& signals, server::EdgeServer& server,
                     const std::atomic<bool>& done) {
  int sig = 0;
  sigwait(&signals, &sig);
  while (!done && !server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!done) server.stop();
}

// The keys from the flags; with none, one generated for "default" (in `generated`).
bool make_auth(const server::Flags& flags, http::Auth& auth, std::string& generated) {
  auth.keys = flags.keys;
  if (!auth.keys.empty()) return true;
  generated = random_key();
  if (generated.empty()) return false;
  auth.keys.push_back({"default", generated});
  return true;
}

// The routes' options: health from the store, storage errors logged, metrics
// with the open orders of the keys' accounts.
http::RouteOptions options_for(Repository& repo, Orders& orders, const http::Auth& auth) {
  http::RouteOptions options;
  options.health = [&repo] { return repo.ping().ok(); };
  options.on_storage_error = [](std::string_view m) {
    std::fprintf(stderr, "storage error: %.*s\n", static_cast<int>(m.size()), m.data());
  };
  std::vector<std::string> accounts;
  for (const http::ApiKey& key : auth.keys) accounts.push_back(key.account);
  options.metrics = std::make_shared<http::Metrics>(http::open_orders_of(orders, accounts));
  return options;
}

// Serves until a signal stops it; true when it ended that way.
bool run(server::EdgeServer& server, const sigset_t& signals) {
  std::atomic<bool> done{false};
  std::thread stopper(wait_for_signal, std::cref(signals), std::ref(server), std::cref(done));
  const bool stopped = server.run();  // returns after stop(), requests in flight answered
  done = true;
  pthread_kill(stopper.native_handle(), SIGTERM);  // wakes it if no signal came
  stopper.join();
  return stopped;
}

int serve(const server::Flags& flags, const sigset_t& signals) {
  std::string error;
  const std::unique_ptr<Repository> repo = server::open_repository(flags, error);
  if (!repo) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  SystemClock clock;
  Orders orders(*repo, clock);
  http::Auth auth;
  std::string generated;
  if (!make_auth(flags, auth, generated)) {
    std::fprintf(stderr, "cannot read /dev/urandom\n");
    return 1;
  }
  http::RouteOptions route_options = options_for(*repo, orders, auth);
  // Long polls wait parked at the edge, not on a worker (issue 16).
  route_options.park = &server::EdgeServer::park_current;
  route_options.stream = &server::EdgeServer::stream_current;

  // HTTPS with --tls-cert/--tls-key, else plain HTTP.
  server::TlsContext tls;
  if (!flags.tls_cert.empty() && !(tls = server::make_tls_context(flags, error))) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  server::RoutedServer app;
  configure(app, flags, route_options.metrics);
  http::mount_routes(app, orders, auth, route_options);
  server::EdgeOptions options = edge_options(flags, tls.get());
  options.events = &orders.events();
  // Answers the edge gives itself reach the access log and /metrics too.
  options.on_refusal = [format = flags.log_format, metrics = route_options.metrics](
                           int status, const std::string& peer_ip) {
    server::log_refusal(format, status, peer_ip);
    if (metrics) metrics->route(http::kUnmatchedRoute).record(status);
  };
  server::EdgeServer server(app, std::move(options));
  const int port = server.bind();
  if (port < 0) {
    std::fprintf(stderr, "cannot listen on %s:%d\n", flags.host.c_str(), flags.port);
    return 1;
  }
  if (const std::string warning = server::insecure_http_warning(flags); !warning.empty()) {
    std::fprintf(stderr, "orderstate-server: %s\n", warning.c_str());
  }
  if (!generated.empty()) print_generated_key(flags, port, generated);
  std::printf("listening on %s://%s:%d\n", server::scheme(flags), flags.host.c_str(), port);
  std::fflush(stdout);
  // GTD and DAY orders expire once their expire_at passes (issue 15): every
  // second, at most 1000 per transaction, until none is due. Storage trouble
  // is retried on the next tick; its first failure after a success is logged
  // (one line, not one a second). With --keep-events, the journal is pruned
  // on the same tick (retention.hpp).
  std::optional<server::Retention> retention;
  if (flags.keep_events > 0) retention.emplace(orders, flags.keep_events);
  std::mutex expiry_mu;
  std::condition_variable expiry_cv;
  bool stopping = false;
  std::thread expirer([&] {
    bool failing = false;
    std::unique_lock lock(expiry_mu);
    while (!expiry_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; })) {
      lock.unlock();
      for (int round = 0; round < 100; ++round) {
        const auto expired = orders.expire_due(clock.now());
        if (!expired.ok() && !failing) {
          std::fprintf(stderr,
                       "orderstate-server: expiring due orders failed (retried each second): %s\n",
                       expired.error().message.c_str());
        }
        failing = !expired.ok();
        if (failing || expired->size() < 1000) break;
      }
      if (retention) retention->tick();
      lock.lock();
    }
  });
  const bool stopped = run(server, signals);
  {
    std::lock_guard lock(expiry_mu);
    stopping = true;
  }
  expiry_cv.notify_one();
  expirer.join();
  return stopped ? 0 : 1;
}  // destroys the server, then orders, then the repository (closing the database)

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  const auto flags = server::parse_flags(argc, argv, std::getenv("ORDERSTATE_API_KEYS"), error);
  if (!flags) {
    std::fprintf(stderr, "orderstate-server: %s\n%s", error.c_str(), server::usage().c_str());
    return 2;
  }
  if (flags->help || flags->version) {
    std::printf(
        "%s", flags->help ? server::usage().c_str() : "orderstate-server " ORDERSTATE_VERSION "\n");
    return 0;
  }

  // Before any database is opened; on failure SQLite merely keeps its statistics.
  (void)orderstate::SqliteRepository::disable_memory_statistics();

  // Signals are taken synchronously by one thread; block them before any other starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client gone mid-write is an error return, not a kill
  return serve(*flags, signals);
}
