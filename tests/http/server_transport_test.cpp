// The real orderstate-server binary's transport and operations flags: HTTPS
// with --tls-cert/--tls-key (a self-signed certificate made here with the
// openssl CLI), the warning for plain HTTP off loopback, the JSON access log.
#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "server_child.hpp"

using namespace orderstate::test;

namespace {

const std::string kKey = "k-tls-1";
const httplib::Headers kAuth = {{"Authorization", "Bearer " + kKey}};

// A self-signed certificate for 127.0.0.1 and localhost in `dir`
// (cert.pem, key.pem); false when the openssl CLI failed.
bool make_certificate(const fs::path& dir) {
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
      " -keyout '" +
      (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >'" +
      (dir / "openssl.log").string() + "' 2>&1";
  return std::system(command.c_str()) == 0;
}

std::vector<std::string> base_flags(const fs::path& dir) {
  return {"--port", "0", "--db", (dir / "orders.db").string(), "--api-key", "acct:" + kKey};
}

}  // namespace

TEST_CASE("with --tls-cert and --tls-key the server speaks HTTPS only", "[http][binary][tls]") {
  TempDir dir("tls");
  REQUIRE(make_certificate(dir.path));
  auto flags = base_flags(dir.path);
  flags.insert(flags.end(), {"--tls-cert", (dir.path / "cert.pem").string(), "--tls-key",
                             (dir.path / "key.pem").string()});
  ServerChild s = spawn_server(flags, dir.path / "stderr.log");
  s.port = read_port(s.out, "https");
  REQUIRE(s.port > 0);

  httplib::SSLClient trusting("127.0.0.1", s.port);
  trusting.set_ca_cert_path((dir.path / "cert.pem").c_str());
  trusting.enable_server_certificate_verification(true);
  const auto health = trusting.Get("/healthz");
  const auto positions = trusting.Get("/api/v1/trading/positions", kAuth);
  httplib::SSLClient untrusting("127.0.0.1", s.port);
  untrusting.enable_server_certificate_verification(true);
  const auto unverified = untrusting.Get("/healthz");
  httplib::Client plain("127.0.0.1", s.port);
  plain.set_read_timeout(2, 0);
  const auto cleartext = plain.Get("/healthz");

  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == R"({"status":"ok"})");
  REQUIRE(positions);
  CHECK(positions->body == R"({"status":"success","data":{"count":0,"positions":[]}})");
  CHECK_FALSE(unverified);  // the certificate is checked, so it is the one given
  CHECK((!cleartext || cleartext->status != 200));
  CHECK(stop_server(s) == 0);
  CHECK(read_file(dir.path / "stderr.log").find("warning") == std::string::npos);
}

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

struct Trickle {
  bool handshake = false;
  bool cut_off = false;                // the server closed the connection
  std::chrono::milliseconds after{0};  // since the first request byte
  std::string answer;                  // what it wrote before closing, if anything
};

// Over TLS: a request line, then one header byte (one TLS record) every
// 100 ms until the server closes or `give_up` passes.
Trickle trickle_tls(int port, std::chrono::milliseconds give_up) {
  using Clock = std::chrono::steady_clock;
  Trickle r;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in addr = loopback(port);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
      SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1) {
    r.handshake = true;
    // Non-blocking from here: a session ticket alone must not block SSL_read.
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    const auto started = Clock::now();
    const std::string start = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ";
    bool open = SSL_write(ssl, start.data(), static_cast<int>(start.size())) > 0;
    while (open && Clock::now() - started < give_up) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        char buf[4096];
        const int n = SSL_read(ssl, buf, sizeof buf);
        if (n > 0) {
          r.answer.append(buf, static_cast<size_t>(n));
        } else if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ) {
          open = false;
        }
        continue;
      }
      open = SSL_write(ssl, "a", 1) == 1;
    }
    r.cut_off = !open;
    r.after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  return r;
}

}  // namespace

TEST_CASE("over TLS a slow-loris client is cut off after the read timeout", "[http][binary][tls]") {
  using std::chrono::milliseconds;
  TempDir dir("tls-slow");
  REQUIRE(make_certificate(dir.path));
  auto flags = base_flags(dir.path);
  flags.insert(flags.end(), {"--tls-cert", (dir.path / "cert.pem").string(), "--tls-key",
                             (dir.path / "key.pem").string(), "--threads", "4"});
  ServerChild s = spawn_server(flags, dir.path / "stderr.log");
  s.port = read_port(s.out, "https");
  REQUIRE(s.port > 0);

  Trickle slow;
  std::thread slow_thread([&] { slow = trickle_tls(s.port, milliseconds(15000)); });
  std::vector<int> fast_statuses;  // a fresh client every 500 ms meanwhile
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(milliseconds(500));
    httplib::SSLClient fast("127.0.0.1", s.port);
    fast.enable_server_certificate_verification(false);
    fast.set_read_timeout(1, 0);
    const auto r = fast.Get("/healthz");
    fast_statuses.push_back(r ? r->status : -1);
  }
  slow_thread.join();

  CHECK(fast_statuses == std::vector<int>(6, 200));
  INFO("cut off " << slow.cut_off << " after " << slow.after.count()
                  << " ms, answer: " << slow.answer);
  REQUIRE(slow.handshake);
  CHECK(slow.cut_off);
  CHECK(slow.after >= milliseconds(4500));  // the full read timeout was granted
  CHECK(slow.after < milliseconds(8000));
  CHECK((slow.answer.empty() || slow.answer.starts_with("HTTP/1.1 408 ")));
  CHECK(stop_server(s) == 0);
}

TEST_CASE("TLS flags that cannot serve stop the server at start", "[http][binary][tls]") {
  TempDir dir("tls");
  const fs::path log = dir.path / "stderr.log";
  const std::string missing = (dir.path / "missing.pem").string();

  CHECK(exit_code_of({"--tls-cert", missing}, log) == 2);
  CHECK(read_file(log).find("--tls-cert and --tls-key go together") != std::string::npos);
  auto flags = base_flags(dir.path);
  flags.insert(flags.end(), {"--tls-cert", missing, "--tls-key", missing});
  CHECK(exit_code_of(flags, log) == 1);
  CHECK(read_file(log).find("cannot load the TLS certificate") != std::string::npos);
}

TEST_CASE("64 clients connecting at once all get in while the server is stalled",
          "[http][binary]") {
  TempDir dir("backlog");
  ServerChild s = spawn_server(base_flags(dir.path), dir.path / "stderr.log");
  s.port = read_port(s.out);
  REQUIRE(s.port > 0);
  const sockaddr_in addr = loopback(s.port);

  // Stopped, the server accepts nobody: only the kernel's accept queue (its
  // listen backlog) completes handshakes. cpp-httplib 0.11 alone allows 5.
  REQUIRE(kill(s.pid, SIGSTOP) == 0);
  constexpr int kClients = 64;
  std::vector<pollfd> fds;
  for (int i = 0; i < kClients; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    (void)connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    fds.push_back({fd, POLLOUT, 0});
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  int connected = 0;
  while (connected < kClients && std::chrono::steady_clock::now() < until) {
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (pollfd& p : fds) {
      int error = -1;
      socklen_t len = sizeof error;
      if (p.revents && p.events && getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
          error == 0) {
        ++connected;
        p.events = 0;  // done; poll ignores it from now on
      }
      p.revents = 0;
    }
  }
  REQUIRE(kill(s.pid, SIGCONT) == 0);

  // Resumed, it answers every one of them.
  int answered = 0;
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  for (pollfd& p : fds) {
    fcntl(p.fd, F_SETFL, fcntl(p.fd, F_GETFL) & ~O_NONBLOCK);
    timeval timeout{5, 0};
    setsockopt(p.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buf[512] = {};
    if (send(p.fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()) &&
        recv(p.fd, buf, sizeof buf - 1, 0) > 0 && std::string(buf).starts_with("HTTP/1.1 200")) {
      ++answered;
    }
    close(p.fd);
  }
  CHECK(connected == kClients);
  CHECK(answered == kClients);
  CHECK(stop_server(s) == 0);
}

TEST_CASE("plain HTTP on a non-loopback host warns unless acknowledged", "[http][binary]") {
  TempDir dir("insecure");
  const auto warned_for = [&](std::vector<std::string> extra, const std::string& host) {
    const fs::path log = dir.path / ("stderr-" + host + std::to_string(extra.size()) + ".log");
    auto flags = base_flags(dir.path);
    flags.insert(flags.end(), {"--host", host});
    flags.insert(flags.end(), extra.begin(), extra.end());
    ServerChild s = spawn_server(flags, log);
    s.port = read_port(s.out, "http", host);
    REQUIRE(s.port > 0);
    CHECK(stop_server(s) == 0);
    return read_file(log).find("warning: serving plain HTTP on " + host) != std::string::npos;
  };

  CHECK(warned_for({}, "0.0.0.0"));
  CHECK_FALSE(warned_for({"--allow-insecure-http"}, "0.0.0.0"));
  CHECK_FALSE(warned_for({}, "127.0.0.1"));
  CHECK_FALSE(warned_for({}, "localhost"));
}

TEST_CASE("the JSON access log writes one object per request", "[http][binary]") {
  TempDir dir("log");
  const fs::path log = dir.path / "stderr.log";
  auto flags = base_flags(dir.path);
  flags.insert(flags.end(), {"--log-format", "json"});
  ServerChild s = spawn_server(flags, log);
  s.port = read_port(s.out);
  REQUIRE(s.port > 0);
  httplib::Client client("127.0.0.1", s.port);
  REQUIRE(client.Get("/api/v1/trading/orders/\"x", kAuth));
  REQUIRE(stop_server(s) == 0);

  const std::regex line(R"(\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","method":"GET",)"
                        R"("path":"/api/v1/trading/orders/\\"x","status":404,"duration_us":\d+,)"
                        R"("remote_addr":"127\.0\.0\.1"\}\n)");
  CHECK(std::regex_search(read_file(log), line));
  CHECK(read_file(log).find(kKey) == std::string::npos);
  CHECK(exit_code_of({"--log-format", "xml"}, log) == 2);
}
