// The account stream over HTTP (issue 16): long polls parked at the edge,
// subscribers that drop and resume, and a kill -9 mid-stream.
#include "stream.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "api.hpp"
#include "raw_http.hpp"
#include "server_process.hpp"

using namespace orderstate::system_test;

TEST_CASE("parked long polls hold no worker: with 2 workers 50 of them wait, writes are answered",
          "[system][stream]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {"--threads", "2"}});
  REQUIRE(server.port() > 0);
  constexpr int kPolls = 50;
  std::vector<Reply> got(kPolls);
  std::vector<std::thread> polls;
  for (int i = 0; i < kPolls; ++i) {
    polls.emplace_back([&, i] {
      Api api(server.port(), kKey, 40);
      got[static_cast<std::size_t>(i)] = api.get("/api/v2/events?after=0&wait=30");
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // all of them parked by now
  // Were the polls holding the 2 workers, this would wait 30 s; its client gives up after 5.
  Api writer(server.port(), kKey, 5);
  const Reply placed = writer.post("/api/v2/orders", kPlaceBody);
  REQUIRE(placed.status == 201);
  const std::string id = first_member(placed.body, "order_id");
  for (auto& t : polls) t.join();
  for (const Reply& r : got) {
    REQUIRE(r.status == 200);
    const auto events = stream_events(r.body);
    REQUIRE(events.size() == 1);
    CHECK(events[0].line == "1 " + id + " ->OPEN");
    CHECK(count_of(r.body, R"("next_after":1)") == 1);
  }
  // Scoping: another account's stream is empty and stays so.
  const Reply other = Api(server.port(), kOtherKey).get("/api/v2/events?after=0&wait=1");
  REQUIRE(other.status == 200);
  CHECK(stream_events(other.body).empty());
  CHECK(server.stop() == 0);
}

TEST_CASE("subscribers that drop and resume see the stream exactly, through two server processes",
          "[system][stream]") {
  TempDir dir;
  ServerProcess a({dir.path() / "orders.db", dir.path() / "a.log", {}});
  ServerProcess b({dir.path() / "orders.db", dir.path() / "b.log", {}});
  REQUIRE(a.port() > 0);
  REQUIRE(b.port() > 0);
  require_streams_match({a.port(), b.port()}, 4, 6, 30);
  CHECK(a.stop() == 0);
  CHECK(b.stop() == 0);
}

TEST_CASE("after a kill -9 mid-stream a subscriber resumes with every acknowledged change once",
          "[system][stream]") {
  TempDir dir;
  const ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log", {}};
  auto server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  std::vector<std::string> acknowledged;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    Api api(server->port(), kKey, 5);
    while (writing) {
      const Reply r = api.post("/api/v2/orders", kPlaceBody);
      if (r.status != 201) return;  // the kill
      acknowledged.push_back(first_member(r.body, "order_id"));
    }
  });
  // The subscriber follows until the server dies under it.
  std::vector<Seen> seen;
  {
    Api api(server->port(), kKey, 5);
    while (seen.size() < 50) {
      const Reply r = api.get("/api/v2/events?limit=7&wait=2&after=" +
                              std::to_string(seen.empty() ? 0 : seen.back().seq));
      REQUIRE(r.status == 200);
      for (const Seen& e : stream_events(r.body)) seen.push_back(e);
    }
  }
  server->kill9();
  writing = false;
  writer.join();
  REQUIRE(server->wait_exit(std::chrono::seconds(10)) == -1);
  REQUIRE(!acknowledged.empty());

  server = std::make_unique<ServerProcess>(options);
  REQUIRE(server->port() > 0);
  Api api(server->port());
  while (true) {  // resume from the last seq seen
    const Reply r = api.get("/api/v2/events?limit=100&after=" + std::to_string(seen.back().seq));
    REQUIRE(r.status == 200);
    const auto page = stream_events(r.body);
    if (page.empty()) break;
    seen.insert(seen.end(), page.begin(), page.end());
  }
  std::map<std::string, int> placed_events;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    REQUIRE(seen[i].seq == static_cast<long long>(i) + 1);  // no gap, no repeat, in order
    placed_events[seen[i].line.substr(seen[i].line.find(' ') + 1)]++;
  }
  for (const std::string& id : acknowledged) {
    INFO(id);
    CHECK(placed_events[id + " ->OPEN"] == 1);
  }
  CHECK(server->stop() == 0);
}

namespace {

// Reads from `fd` into `text` until `done(text)`, the peer closes, or 10 s pass.
template <typename Done>
void read_until(int fd, std::string& text, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done(text) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
}

// Reads from `fd` until `text` holds `want` SSE events (or 10 s pass).
int read_events(int fd, std::string& text, int want) {
  read_until(fd, text, [&](const std::string& t) { return count_of(t, "\ndata: ") >= want; });
  return count_of(text, "\ndata: ");
}

std::string sse_request(const std::string& extra) {
  return "GET /api/v2/events/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + kKey + "\r\n" +
         extra + "\r\n";
}

// A connection that has sent the stream's request (with `extra` headers);
// -1 when either failed.
int open_stream(int port, const std::string& extra) {
  const int fd = connect_to(port);
  if (fd < 0) return -1;
  const std::string request = sse_request(extra);
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TEST_CASE("a Server-Sent Events stream sends each event once as it commits, Last-Event-ID resumes",
          "[system][stream]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {"--threads", "2"}});
  REQUIRE(server.port() > 0);
  Api writer(server.port(), kKey, 5);
  REQUIRE(writer.post("/api/v2/orders", kPlaceBody).status == 201);

  const int fd = open_stream(server.port(), "");
  REQUIRE(fd >= 0);
  std::string text;
  REQUIRE(read_events(fd, text, 1) == 1);
  CHECK(text.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(header_value(text.substr(0, text.find("\r\n\r\n") + 2), "Content-Type") ==
        "text/event-stream");
  CHECK(header_value(text.substr(0, text.find("\r\n\r\n") + 2), "Transfer-Encoding") == "chunked");
  CHECK(text.find("id: 1\ndata: {\"seq\":1,") != std::string::npos);
  // Two more commits arrive on the open stream, once each, in order.
  REQUIRE(writer.post("/api/v2/orders", kPlaceBody).status == 201);
  REQUIRE(writer.post("/api/v2/orders", kPlaceBody).status == 201);
  REQUIRE(read_events(fd, text, 3) == 3);
  CHECK(text.find("id: 2\ndata: {\"seq\":2,") < text.find("id: 3\ndata: {\"seq\":3,"));
  CHECK(count_of(text, "\"seq\":2,") == 1);
  close(fd);

  // A client that saw id 2 resumes after it: 3 at once, then 4 when it commits.
  const int again = open_stream(server.port(), "Last-Event-ID: 2\r\n");
  REQUIRE(again >= 0);
  std::string resumed;
  REQUIRE(read_events(again, resumed, 1) == 1);
  CHECK(resumed.find("id: 3\ndata: {\"seq\":3,") != std::string::npos);
  REQUIRE(writer.post("/api/v2/orders", kPlaceBody).status == 201);
  REQUIRE(read_events(again, resumed, 2) == 2);
  CHECK(resumed.find("id: 4\ndata: {\"seq\":4,") != std::string::npos);
  CHECK(count_of(resumed, "\ndata: ") == 2);
  close(again);
  // Writes still answered (the streams held no worker), and the server stops cleanly.
  REQUIRE(writer.post("/api/v2/orders", kPlaceBody).status == 201);
  CHECK(server.stop() == 0);
}

// From an outside attack: clients that leave while their long poll waits
// must not keep their connection slots until the wait ends.
TEST_CASE("a long poll whose client left frees its connection slot at once", "[system][stream]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db",
                        dir.path() / "stderr.log",
                        {"--threads", "2", "--max-connections", "20"}});
  REQUIRE(server.port() > 0);
  const std::string poll_request =
      "GET /api/v2/events?after=100&wait=30 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + kKey +
      "\r\n\r\n";
  std::vector<int> fds;
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_to(server.port());
    REQUIRE(fd >= 0);
    REQUIRE(send(fd, poll_request.data(), poll_request.size(), MSG_NOSIGNAL) > 0);
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(Api(server.port(), kKey, 3).get("/healthz").status == 503);  // every slot taken
  for (int fd : fds) close(fd);
  // Well before the polls' 30 s: the slots are free again.
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = Api(server.port(), kKey, 3).get("/healthz").status;
  }
  CHECK(status == 200);
  CHECK(server.stop() == 0);
}

TEST_CASE("stopping the server answers a parked long poll and ends a stream with its last chunk",
          "[system][stream]") {
  TempDir dir;
  ServerProcess server({dir.path() / "orders.db", dir.path() / "stderr.log", {"--threads", "2"}});
  REQUIRE(server.port() > 0);
  REQUIRE(Api(server.port(), kKey, 5).post("/api/v2/orders", kPlaceBody).status == 201);
  // A stream that has sent event 1 and waits for more.
  const int stream = open_stream(server.port(), "");
  REQUIRE(stream >= 0);
  std::string text;
  REQUIRE(read_events(stream, text, 1) == 1);
  // A long poll waiting (30 s) after event 1.
  RawReply poll_reply;
  std::thread poll([&] {
    poll_reply = raw_exchange(server.port(),
                              "GET /api/v2/events?after=1&wait=30 HTTP/1.1\r\nHost: t\r\n"
                              "Authorization: Bearer " +
                                  kKey + "\r\n\r\n",
                              std::chrono::seconds(20));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // parked by now
  CHECK(server.stop() == 0);                                    // SIGTERM
  poll.join();
  // The poll is answered with what there is (nothing after 1), not cut off.
  REQUIRE(poll_reply.answered);
  CHECK(poll_reply.status == 200);
  CHECK(poll_reply.body == R"({"status":"success","data":{"count":0,"events":[],"next_after":1}})");
  CHECK(header_value(poll_reply.head, "Connection") == "close");
  CHECK(poll_reply.elapsed < std::chrono::seconds(10));
  // The stream ends with the last chunk, then the close.
  char buf[4096];
  ssize_t n;
  while ((n = recv(stream, buf, sizeof buf, 0)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(stream);
  CHECK(count_of(text, "\ndata: ") == 1);
  CHECK(text.size() >= 5);
  CHECK(text.substr(text.size() - 5) == "0\r\n\r\n");
}

TEST_CASE(
    "with --keep-events, a cursor behind the kept journal is answered 410 with the oldest "
    "kept seq, by long poll and by Last-Event-ID",
    "[system][stream]") {
  TempDir dir;
  {  // Written before the pruning server starts: its first tick visits every account.
    ServerProcess before({dir.path() / "orders.db", dir.path() / "stderr.log", {"--threads", "2"}});
    REQUIRE(before.port() > 0);
    Api api(before.port(), kKey, 5);
    for (int i = 0; i < 4; ++i) REQUIRE(api.post("/api/v2/orders", kPlaceBody).status == 201);
    REQUIRE(before.stop() == 0);
  }
  ServerProcess server({dir.path() / "orders.db",
                        dir.path() / "stderr.log",
                        {"--threads", "2", "--keep-events", "2"}});
  REQUIRE(server.port() > 0);
  Api api(server.port(), kKey, 5);
  // Pruned on the server's first one-second tick.
  int status = 200;
  for (int i = 0; i < 50 && status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = api.get("/api/v2/events?after=0").status;
  }
  const auto polled = api.get("/api/v2/events?after=0");
  CHECK(polled.status == 410);
  CHECK(polled.body ==
        R"({"status":"error","error":"events after 0 are no longer kept","oldest_seq":3})");

  const int fd = open_stream(server.port(), "Last-Event-ID: 1\r\n");
  REQUIRE(fd >= 0);
  std::string text;
  const std::string body =
      R"({"status":"error","error":"events after 1 are no longer kept","oldest_seq":3})";
  read_until(fd, text, [&](const std::string& t) { return t.find(body) != std::string::npos; });
  close(fd);
  CHECK(text.rfind("HTTP/1.1 410 Gone\r\n", 0) == 0);
  CHECK(header_value(text.substr(0, text.find("\r\n\r\n") + 2), "Content-Type") ==
        "application/json");
  CHECK(text.substr(text.find("\r\n\r\n") + 4) == body);

  // From right before the oldest kept, the stream reads on: 3, then 4.
  const int resumed = open_stream(server.port(), "Last-Event-ID: 2\r\n");
  REQUIRE(resumed >= 0);
  std::string events;
  REQUIRE(read_events(resumed, events, 2) == 2);
  CHECK(events.find("id: 3\ndata: {\"seq\":3,") < events.find("id: 4\ndata: {\"seq\":4,"));
  close(resumed);

  // An account this server writes is pruned on a later tick: 5 in, 3 out.
  REQUIRE(api.post("/api/v2/orders", kPlaceBody).status == 201);
  status = 200;
  for (int i = 0; i < 50 && status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = api.get("/api/v2/events?after=2").status;
  }
  CHECK(api.get("/api/v2/events?after=2").body ==
        R"({"status":"error","error":"events after 2 are no longer kept","oldest_seq":4})");
  CHECK(server.stop() == 0);
}
