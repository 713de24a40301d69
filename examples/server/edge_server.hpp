// EdgeServer: orderstate-server's connection layer, in front of the routes
// that the adapter mounts on an httplib::Server.
//
// Why not cpp-httplib's own loop: 0.11 pins a pool thread to every open
// connection (idle kept-alive ones and clients still trickling their request
// included), so 64 slow clients starve a 32-thread server; and its lenient
// parser reads some byte streams differently than a proxy in front would
// (request smuggling). Here one I/O thread (epoll) owns every socket: it reads
// and frames requests with RequestFramer (strict RFC 9112), and only a
// complete, well-formed request reaches a worker thread. The worker hands
// cpp-httplib a canonical copy of it (one Host, Content-Length framing, no
// Range, header values passed through byte for byte) and sends the answer.
//
// Guarantees:
// - A connection holds a worker only while its request runs; waiting costs a
//   socket and a few hundred bytes.
// - Each request must arrive whole within `read_timeout` of its first byte
//   (else 408 and close); a kept-alive connection may idle `idle_timeout`.
// - At most `max_connections` are open; one more gets a 503 JSON answer and a
//   close at once.
// - Every answer the edge writes itself is a JSON error with
//   `Connection: close`, after which the connection reads nothing more.
// Thread-safety: run() on one thread; stop() from any thread (signal-safe it
// is not: call it from a thread that took the signal with sigwait).
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "orderstate/event_bus.hpp"
#include "orderstate/http/routes.hpp"
#include "request_framer.hpp"

namespace orderstate::server {

// The httplib::Server the routes are mounted on. Only its routing and
// handlers are used: the edge owns the sockets.
class RoutedServer final : public httplib::Server {
 public:
  // Runs one request read from `stream` through httplib's routing and writes
  // the answer to it (with Connection: close when `close`).
  void answer(httplib::Stream& stream, bool close) {
    bool closed = false;
    process_request(stream, close, closed, nullptr);
  }
};

struct EdgeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;   // 0: any free port
  int threads = 32;  // workers running requests (the database waits are theirs)
  std::size_t max_connections = 10000;
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  unsigned max_requests_per_connection = 1000;
  FramingLimits limits;
  // Bytes all connections may hold in requests not yet complete; past it the
  // connection adding to them is answered 503 and closed. With the 64 KiB
  // limits a connection holds at most ~200 KiB, so the default bounds that
  // memory near 200 MiB whatever the clients do.
  std::size_t max_buffered_bytes = 64u << 20;
  SSL_CTX* tls = nullptr;  // HTTPS when set; not owned, must outlive run()
  // Called on the I/O thread for every answer the edge writes itself (a
  // refused request, a timeout, the connection cap) with its status and the
  // peer's address, so the access log and metrics see them. Optional; must
  // be quick and must not throw.
  std::function<void(int status, const std::string& peer_ip)> on_refusal;
  // The stream generations parked long polls wait on (park_current); not
  // owned, must outlive run(). Without it a parked request is run again only
  // every second and at its deadline.
  EventBus* events = nullptr;
  // Requests for which this is true (the server says: the stream's long polls
  // and Server-Sent Events) run on `background_threads` workers of their own
  // at the lowest CPU priority (nice 19), and so do they when a parked one runs
  // again. A subscriber then waits for a core the writes leave idle; a write
  // never queues behind, or shares a core evenly with, hundreds of stream
  // reads. Unset: every request runs on the common workers.
  std::function<bool(const FramedRequest&)> background;
  int background_threads = 2;
};

// orderstate-server's EdgeOptions::background: a read of the account's
// stream, GET (or HEAD) /api/v2/events (long poll) or /api/v2/events/...
// (Server-Sent Events), matched on the path as the router sees it
// (percent-decoded: a %65vents must not dodge the lane).
bool is_stream_read(const FramedRequest& request);

class EdgeServer {
 public:
  EdgeServer(RoutedServer& app, EdgeOptions options);
  ~EdgeServer();
  EdgeServer(const EdgeServer&) = delete;
  EdgeServer& operator=(const EdgeServer&) = delete;

  // Listens on the options' host and port with a backlog of SOMAXCONN; the
  // port (chosen by the OS for port 0), or -1.
  int bind();
  // Serves until stop(); answers in-flight requests before it returns,
  // parked long polls included (with what they have), and ends streams with
  // their last chunk.
  // False when bind() was not called or the loop could not start.
  bool run();
  void stop();
  bool is_running() const { return running_; }
  // The connection cap in force: the option, lowered to fit RLIMIT_NOFILE.
  std::size_t max_connections() const { return options_.max_connections; }
  // For a route running on one of this edge's workers (RouteOptions::park):
  // parks the request being answered instead of holding the worker. The
  // connection waits without a thread; the request runs again once
  // `account`'s generation differs from `generation`, every second, and when
  // `wait` has passed since it was first parked. False (answer now) outside
  // a worker, or once that time has passed.
  static bool park_current(std::string_view account, std::uint64_t generation,
                           std::chrono::milliseconds wait);
  // For a route on a worker (RouteOptions::stream): keeps the connection as
  // a Server-Sent Events stream. The first answer's head goes out with
  // chunked framing and its body as a chunk; then the connection waits
  // without a thread and the request runs again (Last-Event-ID: last_seq)
  // when `account`'s generation moves or every second, each body sent as
  // the next chunk; a comment goes out after 15 s of silence. An answer
  // that does not continue the stream (an error) ends it. No for HTTP/1.0
  // (no chunked framing) and outside a worker.
  static http::Streaming stream_current(std::string_view account, std::uint64_t generation,
                                        std::int64_t last_seq);
  // Requests parked now (I/O thread's count; for tests and metrics).
  std::size_t parked() const { return parked_count_.load(); }

  struct Conn;

 private:
  struct Job {
    Conn* conn;
    FramedRequest request;
  };

  void accept_all();
  void refuse_connection(int fd);
  void on_event(Conn& c, std::uint32_t events);
  void handshake(Conn& c);
  void read_input(Conn& c);
  void process_input(Conn& c);
  void flush(Conn& c);
  void linger(Conn& c);
  void finish_write(Conn& c);
  void answer_and_close(Conn& c, int status, std::string_view message, bool head = false);
  // The request being read is over (framed, refused or dropped): its bytes
  // leave buffered_.
  void end_request(Conn& c);
  void arm(Conn& c, std::uint32_t events);
  void close_conn(Conn& c);
  void sweep();
  void take_completions();
  void park(Conn& c);
  void unpark(Conn& c);
  // Hands a parked request back to the workers.
  void rerun(Conn& c);
  // The server stops: a parked long poll runs once more and answers what it
  // has (with a close); a stream gets its last chunk and a close.
  void end_parked(Conn& c);
  void take_wakeups();
  // A queue of jobs and the workers that take from it.
  struct Lane {
    std::condition_variable ready;
    std::deque<Job> jobs;
  };
  void enqueue(Job job);
  void work(Lane& lane);
  // Worker side: answers the job and sends what it can; true when the
  // connection went straight back to reading (the I/O thread is not told).
  bool serve(Job& job);

  RoutedServer& app_;
  EdgeOptions options_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int spare_fd_ = -1;  // closed to accept (and refuse) a client at EMFILE
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};
  std::unordered_set<Conn*> conns_;  // I/O thread only
  std::vector<Conn*> closed_;        // closed in this batch of events, freed after it
  std::size_t buffered_ = 0;         // I/O thread only: bytes of requests still being read

  std::mutex jobs_mutex_;
  Lane common_, background_;  // guarded by jobs_mutex_
  bool workers_stop_ = false;
  std::vector<std::thread> workers_;

  std::mutex done_mutex_;
  std::vector<Conn*> done_;  // handed back to the I/O thread

  std::unordered_multimap<std::string, Conn*> parked_;  // I/O thread only: by account
  std::atomic<std::size_t> parked_count_{0};
  std::mutex woken_mutex_;
  std::unordered_set<std::string> woken_;  // accounts whose generation moved
};

}  // namespace orderstate::server
