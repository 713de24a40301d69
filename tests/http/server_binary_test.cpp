// The real orderstate-server binary: flags, the "listening on" line, clean
// shutdown on SIGTERM, and a database that survives a restart.
#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "orderstate/ids.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kKey = "k-secret-7";
const httplib::Headers kAuth = {{"Authorization", "Bearer " + kKey}};
const std::string kPlace = R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY",)"
                           R"("type":"LIMIT","amount":"0.01","price":"50000.00"})";

// A running orderstate-server; its stdout is a pipe, its stderr a file.
struct Server {
  pid_t pid = -1;
  int out = -1;
  int port = -1;
};

Server spawn(const std::vector<std::string>& flags, const fs::path& stderr_path) {
  std::vector<std::string> args = {ORDERSTATE_SERVER_PATH};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  REQUIRE(err >= 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    close(pipe_fds[0]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  close(err);
  return {pid, pipe_fds[0], -1};
}

// Reads stdout until "listening on http://HOST:PORT"; -1 after 10 s or EOF.
int read_port(int fd) {
  std::string seen;
  const std::string marker = "listening on http://127.0.0.1:";
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) return -1;
    char buf[256];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return -1;
    seen.append(buf, static_cast<size_t>(n));
    const auto at = seen.find(marker);
    const auto end = at == std::string::npos ? at : seen.find('\n', at);
    if (end != std::string::npos) return std::stoi(seen.substr(at + marker.size()));
  }
}

Server start(const fs::path& db, const fs::path& log) {
  Server s = spawn({"--port", "0", "--db", db.string(), "--api-key", "acct-a:" + kKey}, log);
  s.port = read_port(s.out);
  return s;
}

// SIGTERM, then the exit status (-1 unless it exited normally).
int stop(Server& s) {
  kill(s.pid, SIGTERM);
  int status = 0;
  waitpid(s.pid, &status, 0);
  close(s.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int exit_code_of(const std::vector<std::string>& flags, const fs::path& log) {
  Server s = spawn(flags, log);
  int status = 0;
  waitpid(s.pid, &status, 0);
  close(s.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The value of the last `"name":"..."` in a JSON body (the record's, not the envelope's).
std::string member(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const auto at = body.rfind(key);
  if (at == std::string::npos) return {};
  const auto begin = at + key.size();
  return body.substr(begin, body.find('"', begin) - begin);
}

std::int64_t seq_of(const std::string& order_id) {
  const auto parts = orderstate::parse_id(orderstate::IdKind::Order, order_id);
  return parts ? parts->seq : -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("orderstate-http-" + std::to_string(getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("the server binary keeps orders across a restart and never reuses a sequence",
          "[http][binary]") {
  TempDir dir;
  const fs::path db = dir.path / "orders.db";
  const fs::path log = dir.path / "stderr.log";

  Server first = start(db, log);
  REQUIRE(first.port > 0);
  httplib::Client c1("127.0.0.1", first.port);
  auto placed = c1.Post("/api/v1/trading/place_order", kAuth, kPlace, "application/json");
  REQUIRE(placed);
  REQUIRE(placed->status == 201);
  const std::string canceled_id = member(placed->body, "order_id");
  auto canceled = c1.Post("/api/v1/trading/cancel_order", kAuth,
                          R"({"order_id":")" + canceled_id + "\"}", "application/json");
  REQUIRE(canceled);
  CHECK(canceled->status == 200);
  CHECK(member(canceled->body, "status") == "CANCELED");
  auto open = c1.Post("/api/v1/trading/place_order", kAuth, kPlace, "application/json");
  REQUIRE(open);
  const std::string open_id = member(open->body, "order_id");
  CHECK(stop(first) == 0);

  Server second = start(db, log);
  REQUIRE(second.port > 0);
  httplib::Client c2("127.0.0.1", second.port);
  auto kept_canceled = c2.Get(("/api/v1/trading/orders/" + canceled_id).c_str(), kAuth);
  auto kept_open = c2.Get(("/api/v1/trading/orders/" + open_id).c_str(), kAuth);
  auto again = c2.Post("/api/v1/trading/place_order", kAuth, kPlace, "application/json");
  REQUIRE(kept_canceled);
  REQUIRE(kept_open);
  REQUIRE(again);
  CHECK(member(kept_canceled->body, "status") == "CANCELED");
  CHECK(member(kept_open->body, "status") == "OPEN");
  CHECK(again->status == 201);
  CHECK(seq_of(member(again->body, "order_id")) > seq_of(open_id));
  CHECK(seq_of(open_id) > seq_of(canceled_id));
  CHECK(stop(second) == 0);

  const std::string stderr_text = read_file(log);
  CHECK(stderr_text.find("POST /api/v1/trading/cancel_order 200 ") != std::string::npos);
  CHECK(stderr_text.find(kKey) == std::string::npos);
}

TEST_CASE("the server binary exits 2 on bad flags and 0 on --help", "[http][binary]") {
  TempDir dir;
  const fs::path log = dir.path / "stderr.log";
  CHECK(exit_code_of({"--port", "http"}, log) == 2);
  CHECK(exit_code_of({"--durability", "sometimes"}, log) == 2);
  CHECK(exit_code_of({"--api-key", "no-colon"}, log) == 2);
  CHECK(exit_code_of({"--frobnicate"}, log) == 2);
  CHECK(exit_code_of({"--help"}, log) == 0);
  CHECK(read_file(log).find("usage: orderstate-server") != std::string::npos);
}
