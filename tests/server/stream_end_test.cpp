// How EdgeServer ends a Server-Sent Events stream whose next run does not
// continue it: the answer that run gave (an error) cannot have its status
// line any more, so its body is the stream's last event, `event: error`.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "../system/raw_http.hpp"
#include "edge_server.hpp"
#include "orderstate/event_bus.hpp"

using namespace orderstate::server;

namespace {

// A connected socket to 127.0.0.1:port that gives up reading after 5 s; -1 on failure.
int dial(int port) {
  const int fd = orderstate::system_test::connect_to(port);
  timeval tv{5, 0};
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Reads into `text` until it holds `want` (true) or the peer closes or 5 s pass (false).
bool read_until(int fd, std::string& text, const std::string& want) {
  char buf[4096];
  while (text.find(want) == std::string::npos) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

// `app` behind an EdgeServer with one worker, woken by `bus`, running on a
// thread of its own until destroyed.
struct Edge {
  Edge(RoutedServer& app, orderstate::EventBus& bus) : server(app, options(bus)) {
    port = server.bind();
    if (port > 0) loop = std::thread([this] { server.run(); });
  }
  ~Edge() {
    server.stop();
    if (loop.joinable()) loop.join();
  }
  static EdgeOptions options(orderstate::EventBus& bus) {
    EdgeOptions o;
    o.port = 0;
    o.threads = 1;
    o.events = &bus;
    return o;
  }
  EdgeServer server;
  int port = -1;
  std::thread loop;
};

std::string chunk(const std::string& data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace

TEST_CASE("a stream whose next run answers an error ends with that body as an error event",
          "[server][stream]") {
  const std::string gone =
      R"({"status":"error","error":"events after 1 are no longer kept","oldest_seq":4})";
  orderstate::EventBus bus;
  std::atomic<int> runs{0};
  std::atomic<int> first_told{-1};  // checked here: Catch2 asserts on this thread only
  RoutedServer app;
  app.Get("/s", [&](const httplib::Request&, httplib::Response& res) {
    if (runs++ == 0) {
      first_told = static_cast<int>(EdgeServer::stream_current("acct", bus.generation("acct"), 1));
      res.set_content("id: 1\ndata: {\"seq\":1}\n\n", "text/event-stream");
      return;
    }
    res.status = 410;  // what the events route answers a cursor behind the retention
    res.set_content(gone, "application/json");
  });
  Edge edge(app, bus);
  const int port = edge.port;
  REQUIRE(port > 0);

  const int fd = dial(port);
  REQUIRE(fd >= 0);
  const std::string request = "GET /s HTTP/1.1\r\nHost: t\r\n\r\n";
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string text;
  const std::string first = chunk("id: 1\ndata: {\"seq\":1}\n\n");
  REQUIRE(read_until(fd, text, first));
  bus.publish("acct");  // a commit: the stream runs again, and that run fails
  const std::string last = chunk("event: error\ndata: " + gone + "\n\n") + "0\r\n\r\n";
  CHECK(read_until(fd, text, last));
  char byte;
  CHECK(recv(fd, &byte, 1, 0) == 0);  // and the connection is closed
  close(fd);

  const std::size_t head_end = text.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  CHECK(text.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(text.find("Transfer-Encoding: chunked\r\n") < head_end);
  CHECK(text.substr(head_end + 4) == first + last);
  CHECK(runs == 2);
  CHECK(first_told == static_cast<int>(orderstate::http::Streaming::Started));
}

// A HEAD answer has no body (RFC 9110 §9.3.2): the route is told not to
// stream, the answer ends with its head, and the connection serves the next
// request (an outside review saw a chunked head, then a stray last chunk).
TEST_CASE("HEAD of a stream is answered as a plain response and the connection goes on",
          "[server][stream]") {
  orderstate::EventBus bus;
  std::atomic<int> told{-1};
  RoutedServer app;
  app.Get("/s", [&](const httplib::Request&, httplib::Response& res) {
    told = static_cast<int>(EdgeServer::stream_current("acct", bus.generation("acct"), 0));
    res.set_content("retry: 1000\n\n", "text/event-stream");
  });
  app.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("pong", "text/plain");
  });
  Edge edge(app, bus);
  const int port = edge.port;
  REQUIRE(port > 0);

  const int fd = dial(port);
  REQUIRE(fd >= 0);
  const std::string requests =
      "HEAD /s HTTP/1.1\r\nHost: t\r\n\r\nGET /ping HTTP/1.1\r\nHost: t\r\n\r\n";
  REQUIRE(send(fd, requests.data(), requests.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(requests.size()));
  std::string text;
  CHECK(read_until(fd, text, "\r\n\r\npong"));
  close(fd);
  CHECK(told == static_cast<int>(orderstate::http::Streaming::No));
  const std::size_t head_end = text.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const std::string head = text.substr(0, head_end + 2);
  CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(head.find("Transfer-Encoding") == std::string::npos);
  CHECK(head.find("Content-Length: 13\r\n") != std::string::npos);
  // Nothing between the HEAD answer's head and the next answer.
  CHECK(text.find("HTTP/1.1 200 OK\r\n", head_end) == head_end + 4);
}
