// The HTTP edge under attack, on keep-alive connections (issue 13). Every row
// sends its hostile bytes on a fresh connection without "Connection: close",
// most followed in the same send() by a canary: a complete, valid, authorized
// cancel of the row's own OPEN order B. A server that framed the hostile bytes
// differently than RFC 9112 does would run the canary and cancel B. Each row
// checks the exact answers on the wire (how many, which statuses), whether
// the connection was closed, and, at the end, that B is untouched.
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "api.hpp"
#include "raw_http.hpp"

using namespace orderstate::system_test;
using namespace std::string_literals;
using std::chrono::milliseconds;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kAny = -1;  // a status we do not pin (e.g. httplib's answer to OPTIONS)

struct Answer {
  int status = 0;
  std::string head, body;
};

struct Wire {
  std::vector<Answer> answers;
  bool closed = false;
  std::string rest;  // bytes after the last whole answer: none may be left
};

// Splits `data` into whole responses (Content-Length framed; none to a HEAD);
// a "100 Continue" is not an answer.
std::vector<Answer> split_answers(std::string& data, bool head_request) {
  std::vector<Answer> out;
  while (true) {
    const auto end = data.find("\r\n\r\n");
    if (end == std::string::npos || !data.starts_with("HTTP/1.1 ")) return out;
    Answer a;
    a.head = data.substr(0, end);
    a.status = std::atoi(a.head.c_str() + 9);
    const std::string length = header_value(a.head, "Content-Length");
    std::size_t size = length.empty() ? 0 : std::strtoul(length.c_str(), nullptr, 10);
    if (a.status == 100 || head_request) size = 0;
    if (data.size() < end + 4 + size) return out;
    a.body = data.substr(end + 4, size);
    data.erase(0, end + 4 + size);
    if (a.status != 100) out.push_back(std::move(a));
  }
}

// Sends `bytes` at once on a new connection, then reads until the server
// closes it or nothing has come for `quiet`.
Wire exchange(int port, const std::string& bytes, bool head_request = false,
              milliseconds quiet = milliseconds(800), bool half_close = false) {
  Wire w;
  const int fd = connect_to(port);
  if (fd < 0) return w;
  timeval tv{0, static_cast<suseconds_t>(quiet.count() * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string data;
  if (send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    if (half_close) shutdown(fd, SHUT_WR);  // the request, then EOF
    char buf[16384];
    while (true) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        data.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      w.closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      break;
    }
  }
  close(fd);
  w.answers = split_answers(data, head_request);
  w.rest = data;
  return w;
}

const std::string kHost = "Host: t\r\n";
const std::string kAuthLine = "Authorization: Bearer " + kKey + "\r\n";

std::string cancel_body(const std::string& id) {
  return R"({"order_id":")" + id + "\"}";
}
// INNER(B): a complete, valid, authorized cancel of `id`, ending the connection.
std::string inner(const std::string& id) {
  const std::string body = cancel_body(id);
  return "POST " + kApi + "cancel_order HTTP/1.1\r\n" + kHost + kAuthLine +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}
std::string hex(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%zx", n);
  return buf;
}
// A POST cancel_order of `id` with `fields` (each ending CRLF) and `payload`
// as the raw bytes after the header section.
std::string cancel_with(const std::string& fields, const std::string& payload) {
  return "POST " + kApi + "cancel_order HTTP/1.1\r\n" + fields + "\r\n" + payload;
}

struct Row {
  std::string name;
  std::string bytes;
  std::vector<int> statuses;  // the exact answers, in order
  bool closed;                // the server must have closed the connection
  bool cancels_b = false;     // the row's own request legitimately cancels B
  bool head_request = false;
  std::string body_has = {};  // when set, the first answer's body contains it
};

// The rows, aimed at order `b`. Smuggling rows append inner(b) after the
// hostile bytes. Each row gets an order of its own: row i uses rows_for(b_i)[i].
std::vector<Row> rows_for(const std::string& b) {
  const std::string in = inner(b);
  const std::string n = std::to_string(in.size());
  const std::string json = cancel_body(b);
  const std::string cl = "Content-Length: " + std::to_string(json.size()) + "\r\n";
  const std::string te = "Transfer-Encoding: chunked\r\n";
  const std::string chunked = hex(json.size()) + "\r\n" + json + "\r\n0\r\n\r\n";
  const std::string base = kHost + kAuthLine;
  const std::string twice = R"({"order_id":"ord-1",)" + json.substr(1);
  std::vector<Row> all = {
      // 1. A body on a method that takes none is that request's body (CL.0).
      {"GET with a Content-Length body",
       "GET /healthz HTTP/1.1\r\n" + kHost + "Content-Length: " + n + "\r\n\r\n" + in,
       {200},
       false},
      {"HEAD with a Content-Length body",
       "HEAD /healthz HTTP/1.1\r\n" + kHost + "Content-Length: " + n + "\r\n\r\n" + in,
       {200},
       false,
       false,
       true},
      {"OPTIONS with a Content-Length body",
       "OPTIONS /healthz HTTP/1.1\r\n" + kHost + "Content-Length: " + n + "\r\n\r\n" + in,
       {kAny},
       false},
      {"GET with a chunked body",
       "GET /healthz HTTP/1.1\r\n" + kHost + te + "\r\n" + hex(in.size()) + "\r\n" + in +
           "\r\n0\r\n\r\n",
       {200},
       false},
      // 2. Framing defects: one 400, a close, nothing more read.
      {"chunk data followed by XX",
       cancel_with(base + te, "2\r\n{}XX\r\n0\r\n\r\n") + in,
       {400},
       true},
      {"chunk size 0x2", cancel_with(base + te, "0x2\r\n{}\r\n0\r\n\r\n") + in, {400}, true},
      {"chunk size +2", cancel_with(base + te, "+2\r\n{}\r\n0\r\n\r\n") + in, {400}, true},
      {"chunk size with a leading space",
       cancel_with(base + te, " 2\r\n{}\r\n0\r\n\r\n") + in,
       {400},
       true},
      {"chunk size past 64 bits",
       cancel_with(base + te, "10000000000000002\r\n{}\r\n0\r\n\r\n") + in,
       {400},
       true},
      {"chunk size line ended by a bare LF",
       cancel_with(base + te, "2\n{}\r\n0\r\n\r\n") + in,
       {400},
       true},
      {"last chunk without its final CRLF", cancel_with(base + te, "0\r\nX") + in, {400}, true},
      {"Content-Length +N",
       cancel_with(base + "Content-Length: +" + std::to_string(json.size()) + "\r\n", json) + in,
       {400},
       true},
      {"Content-Length N N",
       cancel_with(base + "Content-Length: 1 " + std::to_string(json.size()) + "\r\n", json) + in,
       {400},
       true},
      {"Content-Length in hex",
       cancel_with(base + "Content-Length: 0x10\r\n", json) + in,
       {400},
       true},
      {"Content-Length -1", cancel_with(base + "Content-Length: -1\r\n", json) + in, {400}, true},
      {"whitespace before a header's colon",
       cancel_with(base + "Content-Length : " + std::to_string(json.size()) + "\r\n", json) + in,
       {400},
       true},
      {"a tab before a header's colon",
       cancel_with(base + "Content-Length\t: " + std::to_string(json.size()) + "\r\n", json) + in,
       {400},
       true},
      {"whitespace inside a header name",
       cancel_with(base + "Transfer Encoding: chunked\r\n" + cl, json) + in,
       {400},
       true},
      {"bare LF line endings",
       "POST " + kApi + "cancel_order HTTP/1.1\nHost: t\nAuthorization: Bearer " + kKey + "\n" +
           "Content-Length: " + std::to_string(json.size()) + "\n\n" + json + in,
       {400},
       true},
      {"a bare CR inside the header section",
       cancel_with(base + "X-A: 1\rX-B: 2\r\n" + cl, json) + in,
       {400},
       true},
      {"obs-fold continuation line",
       cancel_with(base + "X-A: 1\r\n  2\r\n" + cl, json) + in,
       {400},
       true},
      {"obs-folded Transfer-Encoding",
       cancel_with(base + "Transfer-Encoding:\r\n chunked\r\n", chunked) + in,
       {400},
       true},
      {"Transfer-Encoding chunked, gzip (final not chunked)",
       cancel_with(base + "Transfer-Encoding: chunked, gzip\r\n", chunked) + in,
       {400},
       true},
      {"Transfer-Encoding gzip",
       cancel_with(base + "Transfer-Encoding: gzip\r\n", json) + in,
       {400},
       true},
      {"Transfer-Encoding xchunked",
       cancel_with(base + "Transfer-Encoding: xchunked\r\n", chunked) + in,
       {400},
       true},
      {"Transfer-Encoding gzip, chunked (a coding we do not speak)",
       cancel_with(base + "Transfer-Encoding: gzip, chunked\r\n", chunked) + in,
       {501},
       true},
      {"Transfer-Encoding twice", cancel_with(base + te + te, chunked) + in, {400}, true},
      {"Transfer-Encoding and Content-Length",
       cancel_with(base + te + cl, chunked) + in,
       {400},
       true},
      {"Content-Length and Transfer-Encoding",
       cancel_with(base + cl + te, chunked) + in,
       {400},
       true},
      {"two different Content-Lengths",
       cancel_with(base + "Content-Length: 2\r\n" + cl, json) + in,
       {400},
       true},
      {"chunked in HTTP/1.0",
       "POST " + kApi + "cancel_order HTTP/1.0\r\n" + base + te + "\r\n" + chunked + in,
       {400},
       true},
      {"NUL inside a header value",
       cancel_with(base + "X-A: a\0b\r\n"s + cl, json) + in,
       {400},
       true},
      {"two spaces in the request line",
       "GET  /healthz HTTP/1.1\r\n" + kHost + "\r\n" + in,
       {400},
       true},
      {"non-ASCII byte in the target",
       "GET /healthz\xff HTTP/1.1\r\n" + kHost + "\r\n" + in,
       {400},
       true},
      // 3. Connection options are case-insensitive tokens (RFC 9112 §9.6).
      {"Connection: Close",
       "GET /healthz HTTP/1.1\r\n" + kHost + "Connection: Close\r\n\r\n" + in,
       {200},
       true},
      {"Connection: CLOSE",
       "GET /healthz HTTP/1.1\r\n" + kHost + "Connection: CLOSE\r\n\r\n" + in,
       {200},
       true},
      {"Connection: keep-alive, close",
       "GET /healthz HTTP/1.1\r\n" + kHost + "Connection: keep-alive, close\r\n\r\n" + in,
       {200},
       true},
      {"Connection: close in a second line",
       "GET /healthz HTTP/1.1\r\n" + kHost + "Connection: keep-alive\r\nConnection: close\r\n\r\n" +
           in,
       {200},
       true},
      {"HTTP/1.0 without keep-alive", "GET /healthz HTTP/1.0\r\n\r\n" + in, {200}, true},
      {"after the server's own 413",
       cancel_with(base + "Content-Length: 999999\r\n", json) + in,
       {413},
       true},
      // 4. Header values are opaque bytes: no percent-decoding.
      {"percent-encoded bearer key",
       cancel_with(kHost + "Authorization: Bearer sys-key-%61\r\n" + cl, json) +
           "GET /healthz HTTP/1.1\r\n" + kHost + "\r\n",
       {401, 200},
       false},
      // 5. Range never applies to an API answer.
      {"Range on a cancel answers the whole JSON",
       cancel_with(base + "Range: bytes=100000-\r\n" + cl, json) + "GET /healthz HTTP/1.1\r\n" +
           kHost + "\r\n",
       {200, 200},
       false,
       true,
       false,
       R"("status":"CANCELED")"},
      {"multi-range on a read answers one whole body",
       "GET " + kApi + "orders/" + b + " HTTP/1.1\r\n" + base + "Range: bytes=0-1,5-6\r\n\r\n",
       {200},
       false,
       false,
       false,
       R"({"status":"success","data":{"order_id":")"},
      // 6. Only identity bodies: 415 before a byte is inflated.
      {"gzip body on a cancel",
       cancel_with(base + "Content-Encoding: gzip\r\n" + cl, json) + in,
       {415},
       true},
      {"deflate, identity body",
       cancel_with(base + "Content-Encoding: deflate, identity\r\n" + cl, json) + in,
       {415},
       true},
      // 7. Host exactly once in HTTP/1.1; Authorization at most once.
      {"HTTP/1.1 without Host", cancel_with(kAuthLine + cl, json) + in, {400}, true},
      {"two Host lines", cancel_with(base + kHost + cl, json) + in, {400}, true},
      {"two Authorization lines", cancel_with(base + kAuthLine + cl, json) + in, {400}, true},
      {"an unknown Expect", cancel_with(base + "Expect: 200-ok\r\n" + cl, json) + in, {417}, true},
      // Found by an outside attack on the first version of the edge.
      {"chunk-size line with junk after a space",
       cancel_with(base + te, hex(json.size()) + " junk\r\n" + json + "\r\n0\r\n\r\n") + in,
       {400},
       true},
      {"chunk extension with control bytes",
       cancel_with(base + te, hex(json.size()) + ";a=\x01\r\n" + json + "\r\n0\r\n\r\n") + in,
       {400},
       true},
      {"a fragment in the target",
       "GET /healthz#x HTTP/1.1\r\n" + kHost + "\r\n" + in,
       {400},
       true},
      {"request line over 8 KiB",
       "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n" + kHost + "\r\n" + in,
       {414},
       true},
      {"HEAD refused: no body after the 413",
       "HEAD /healthz HTTP/1.1\r\n" + kHost + "Content-Length: 99999999\r\n\r\n" + in,
       {413},
       true,
       false,
       true},
      {"Expect in HTTP/1.0 gets no 100 Continue",
       "POST " + kApi + "cancel_order HTTP/1.0\r\n" + kAuthLine + "Expect: 100-continue\r\n" + cl +
           "\r\n" + json,
       {200},
       true,
       true,
       false,
       R"("status":"CANCELED")"},
      {"Accept-Encoding: br is answered in identity JSON",
       "GET " + kApi + "orders/" + b + " HTTP/1.1\r\n" + base + "Accept-Encoding: br, gzip\r\n\r\n",
       {200},
       false,
       false,
       false,
       R"({"status":"success")"},
      // 8-9. Bad JSON text changes nothing; the connection stays in step.
      {"lone UTF-16 surrogate in a symbol",
       "POST " + kApi + "cancel_all HTTP/1.1\r\n" + base + "Content-Length: 22\r\n\r\n" +
           R"({"symbol":"BTC\udc00"})" + "GET /healthz HTTP/1.1\r\n" + kHost + "\r\n",
       {400, 200},
       false,
       false,
       false,
       "invalid request payload"},
      {"repeated order_id key",
       cancel_with(base + "Content-Length: " + std::to_string(twice.size()) + "\r\n", twice) +
           "GET /healthz HTTP/1.1\r\n" + kHost + "\r\n",
       {400, 200},
       false,
       false,
       false,
       "invalid request payload"},
  };
  return all;
}

std::string order_status(Api& api, const std::string& id) {
  return member(api.order(id).body, "status");
}

}  // namespace

TEST_CASE(
    "hostile bytes on a keep-alive connection get exactly their own answer, never a "
    "smuggled cancel",
    "[system][edge]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {}});
  REQUIRE(server.port() > 0);
  Api api(server.port());
  const std::size_t count = rows_for("").size();
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < count; ++i) ids.push_back(first_member(api.place().body, "order_id"));
  std::vector<Row> rows;
  for (std::size_t i = 0; i < count; ++i) rows.push_back(rows_for(ids[i])[i]);

  std::vector<Wire> wires(rows.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i; (i = next++) < rows.size();) {
        wires[i] = exchange(server.port(), rows[i].bytes, rows[i].head_request);
      }
    });
  }
  for (std::thread& w : workers) w.join();

  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const Wire& wire = wires[i];
    std::vector<int> statuses;
    for (const Answer& a : wire.answers) statuses.push_back(a.status);
    std::vector<int> expected = row.statuses;
    for (std::size_t k = 0; k < expected.size() && k < statuses.size(); ++k) {
      if (expected[k] == kAny) expected[k] = statuses[k];
    }
    INFO("row: " << row.name << "\nanswers: " << wire.answers.size() << ", closed " << wire.closed
                 << "\nfirst: "
                 << (wire.answers.empty() ? "" : wire.answers[0].head + wire.answers[0].body));
    CHECK(statuses == expected);
    CHECK(wire.closed == row.closed);
    CHECK(wire.rest.empty());  // e.g. no body after a HEAD answer
    for (const Answer& a : wire.answers) {
      // Every answer is JSON in the adapter's envelope (HEAD: no body at all).
      if (!row.head_request) CHECK(a.body.starts_with("{\"status\":"));
      if (a.status >= 400 && !row.head_request) {
        CHECK(a.body.find("\"status\":\"error\"") != std::string::npos);
      }
    }
    if (!row.body_has.empty() && !wire.answers.empty()) {
      CHECK(wire.answers[0].body.find(row.body_has) != std::string::npos);
    }
    CHECK(order_status(api, ids[i]) == (row.cancels_b ? "CANCELED" : "OPEN"));
  }
  CHECK(Api(server.port()).get("/healthz").status == 200);
  CHECK(server.stop() == 0);
}

TEST_CASE("a key containing '%' authenticates exactly as written", "[system][edge]") {
  TempDir dir;
  ServerProcess server(
      {dir.path() / "orders.db", dir.path() / "stderr.log", {"--api-key", "acct-p:p%41ss"}});
  REQUIRE(server.port() > 0);
  const auto get_with = [&](const std::string& key) {
    return exchange(server.port(), "GET " + kApi + "orders HTTP/1.1\r\n" + kHost +
                                       "Authorization: Bearer " + key + "\r\n\r\n");
  };
  const Wire as_written = get_with("p%41ss");
  const Wire decoded = get_with("pAss");
  REQUIRE(as_written.answers.size() == 1);
  REQUIRE(decoded.answers.size() == 1);
  CHECK(as_written.answers[0].status == 200);
  CHECK(decoded.answers[0].status == 401);
  CHECK(server.stop() == 0);
}

namespace {

// `n` bytes of zeros, gzip-compressed (a decompression bomb of n bytes).
std::string gzip_zeros(std::size_t n) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  char buf[65536];
  for (std::size_t fed = 0; fed < n; fed += zeros.size()) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    z.avail_in = static_cast<uInt>(zeros.size());
    const int flush = fed + zeros.size() >= n ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

long vm_hwm_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) return std::atol(line.c_str() + 6);
  }
  return -1;
}

}  // namespace

TEST_CASE("16 gzip bombs at once are refused 415 unread and the server's peak memory stays flat",
          "[system][edge]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {}});
  REQUIRE(server.port() > 0);
  REQUIRE(Api(server.port()).get("/healthz").status == 200);
  const std::string bomb = gzip_zeros(60u << 20);
  REQUIRE(bomb.size() < 70 * 1024);
  const std::string request = "PUT " + kApi + "cancel_order HTTP/1.1\r\n" + kHost +
                              "Content-Encoding: gzip\r\nContent-Type: application/json\r\n"
                              "Content-Length: " +
                              std::to_string(bomb.size()) + "\r\n\r\n" + bomb;
  const long before = vm_hwm_kib(server.pid());
  std::vector<Wire> wires(16);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < wires.size(); ++i) {
    threads.emplace_back([&, i] { wires[i] = exchange(server.port(), request); });
  }
  for (std::thread& t : threads) t.join();
  const long after = vm_hwm_kib(server.pid());
  for (const Wire& w : wires) {
    REQUIRE(w.answers.size() == 1);
    CHECK(w.answers[0].status == 415);
    CHECK(w.answers[0].body == R"({"status":"error","error":"unsupported content encoding"})");
    CHECK(w.closed);
  }
  INFO("VmHWM " << before << " KiB -> " << after << " KiB");
  CHECK(after - before < 8 * 1024);  // was +900 MiB with cpp-httplib's own reader
  CHECK(server.stop() == 0);
}

TEST_CASE("idle and half-sent connections hold no worker: fresh clients are answered",
          "[system][edge]") {
  TempDir dir;
  // Two workers only: any connection that pinned one would starve the rest.
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {"--threads", "2"}});
  REQUIRE(server.port() > 0);
  Api api(server.port());
  const std::string id = first_member(api.place().body, "order_id");
  std::vector<int> held;
  for (int i = 0; i < 100; ++i) {
    const int fd = connect_to(server.port());
    REQUIRE(fd >= 0);
    // Half of them idle after a whole request (kept alive), half mid request line.
    const std::string bytes = i % 2 == 0 ? "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" : "GET /heal";
    REQUIRE(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) > 0);
    held.push_back(fd);
  }
  const auto started = Clock::now();
  const Reply health = Api(server.port()).get("/healthz");
  const Reply cancel = Api(server.port()).cancel(id);
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  CHECK(health.status == 200);
  CHECK(cancel.status == 200);
  // cpp-httplib's own loop answered only once the 5 s read timeouts freed a thread.
  CHECK(took < milliseconds(2000));
  for (int fd : held) close(fd);
  CHECK(server.stop() == 0);
}

TEST_CASE("past --max-connections a client gets a 503 JSON answer and a close at once",
          "[system][edge]") {
  TempDir dir;
  ServerProcess server(
      {dir.path() / "orders.db", dir.path() / "stderr.log", {"--max-connections", "20"}});
  REQUIRE(server.port() > 0);
  std::vector<int> held;
  for (int i = 0; i < 20; ++i) {
    held.push_back(connect_to(server.port()));
    REQUIRE(held.back() >= 0);
  }
  std::this_thread::sleep_for(milliseconds(200));  // all 20 accepted
  const Wire over = exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(over.answers.size() == 1);
  CHECK(over.answers[0].status == 503);
  CHECK(over.answers[0].body == R"({"status":"error","error":"too many connections"})");
  CHECK(over.closed);
  close(held.back());
  held.pop_back();
  std::this_thread::sleep_for(milliseconds(200));  // the slot is free again
  const Wire after = exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(after.answers.size() == 1);
  CHECK(after.answers[0].status == 200);
  for (int fd : held) close(fd);
  CHECK(server.stop() == 0);
  // The refusal is in the access log like any answer.
  std::ifstream log(dir.path() / "stderr.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(text.find("- - 503 -1us") != std::string::npos);
}

TEST_CASE("a whole request followed at once by EOF is still answered", "[system][edge]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {}});
  REQUIRE(server.port() > 0);
  Api api(server.port());
  // Sizes that end exactly on the server's 16 KiB read, and one that does not.
  for (const std::size_t size : {std::size_t{16384}, std::size_t{32768}, std::size_t{1000}}) {
    const std::string id = first_member(api.place().body, "order_id");
    const std::string json = cancel_body(id);
    std::string head =
        "POST " + kApi + "cancel_order HTTP/1.1\r\n" + kHost + kAuthLine + "Content-Length: ";
    const std::string tail = "\r\nConnection: close\r\n\r\n";
    // Pad the body with spaces so the whole request is `size` bytes.
    std::size_t body_size = 0;
    for (std::size_t digits = 1; digits < 7; ++digits) {
      body_size = size - head.size() - tail.size() - digits;
      if (std::to_string(body_size).size() == digits) break;
    }
    const std::string request =
        head + std::to_string(body_size) + tail + json + std::string(body_size - json.size(), ' ');
    REQUIRE(request.size() == size);
    const Wire w = exchange(server.port(), request, false, milliseconds(2000), true);
    INFO("size " << size);
    REQUIRE(w.answers.size() == 1);
    CHECK(w.answers[0].status == 200);
    CHECK(order_status(api, id) == "CANCELED");
  }
  // Two pipelined requests, then EOF: both answered, in order.
  const std::string a = first_member(api.place().body, "order_id");
  const std::string two =
      cancel_with(
          kHost + kAuthLine + "Content-Length: " + std::to_string(cancel_body(a).size()) + "\r\n",
          cancel_body(a)) +
      "GET /healthz HTTP/1.1\r\n" + kHost + "\r\n";
  const Wire w = exchange(server.port(), two, false, milliseconds(2000), true);
  REQUIRE(w.answers.size() == 2);
  CHECK(w.answers[0].status == 200);
  CHECK(w.answers[1].status == 200);
  CHECK(w.closed);
  CHECK(server.stop() == 0);
}
