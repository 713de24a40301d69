// The real orderstate-server binary's transport and operations flags: HTTPS
// with --tls-cert/--tls-key (a self-signed certificate made here with the
// openssl CLI), the warning for plain HTTP off loopback, the JSON access log.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <regex>

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
