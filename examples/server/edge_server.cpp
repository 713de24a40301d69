#include "edge_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace orderstate::server {

using Clock = std::chrono::steady_clock;

// Who may touch a connection's fields. The I/O thread hands a connection to
// a worker with its request; the worker gives it back, either through the
// completion list or (fast path) by re-arming it in epoll itself.
enum Owner : int { kIo, kWorker, kArming };

struct EdgeServer::Conn {
  enum class Phase { Handshake, Reading, Busy, Writing, Lingering, Parked };

  Conn(int fd, SSL* ssl, FramingLimits limits) : fd(fd), ssl(ssl), framer(limits) {}

  int fd;          // -1 once closed (close_conn)
  SSL* const ssl;  // null for plain HTTP
  std::atomic<int> owner{kIo};
  Phase phase = Phase::Reading;
  RequestFramer framer;
  std::string in;  // received, from in_used on not yet framed
  std::size_t in_used = 0;
  std::string out;  // the answer being sent, from out_sent on
  std::size_t out_sent = 0;
  bool close_after = false;
  bool request_started = false;
  bool peer_done = false;   // the client sent EOF (or close_notify): answer what came, then close
  bool want_write = false;  // TLS wants the socket writable before it reads on
  std::size_t request_bytes = 0;  // received for the request being read (counted in buffered_)
  Clock::time_point deadline;
  unsigned served = 0;
  std::size_t discarded = 0;  // while lingering
  std::string peer_ip, local_ip;
  int peer_port = 0, local_port = 0;
  // A long poll (park_current): the request to run again, what it waits on,
  // and when its wait ends (unset until first parked).
  bool park_requested = false;
  FramedRequest parked_request;
  std::string park_account;
  std::uint64_t park_generation = 0;
  Clock::time_point park_deadline{};
  // A Server-Sent Events stream (stream_current): its head went out; what
  // the last run asked to stream after; when a byte last went out.
  bool http10 = false;
  bool head = false;     // the running request is HEAD
  bool no_park = false;  // the server stops: a long poll answers what it has
  bool stream_requested = false;
  bool streaming = false;
  std::int64_t stream_last_seq = 0;
  Clock::time_point stream_sent{};
};

namespace {

thread_local EdgeServer::Conn* running_conn = nullptr;  // the worker's current request
// A nice-19 worker hands every answered connection back through the I/O
// thread: re-arming it itself, it could be preempted half-way while the I/O
// thread waits for it (on_event).
thread_local bool background_worker = false;
constexpr auto kRecheckParked = std::chrono::seconds(1);
constexpr auto kHeartbeat = std::chrono::seconds(15);

// `data` as one chunk of a chunked body (RFC 9112 7.1).
std::string chunk(std::string_view data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size).append(data).append("\r\n");
}

// `body` as a Server-Sent Event of type "error", a data line per line of it.
std::string error_event(std::string_view body) {
  std::string out = "event: error\n";
  for (std::size_t start = 0; start <= body.size();) {
    const std::size_t end = std::min(body.find('\n', start), body.size());
    out.append("data: ").append(body.substr(start, end - start)).append("\n");
    start = end + 1;
  }
  return out + "\n";
}

// The request again, resuming after `seq` (the Last-Event-ID field replaced).
void set_last_event_id(FramedRequest& r, std::int64_t seq) {
  std::erase_if(r.fields,
                [](const auto& f) { return strcasecmp(f.first.c_str(), "Last-Event-ID") == 0; });
  r.fields.emplace_back("Last-Event-ID", std::to_string(seq));
}

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kMaxReadPerEvent = 64 * 1024;  // then other connections get a turn
constexpr std::size_t kMaxLingerBytes = 64 * 1024;
constexpr auto kLinger = std::chrono::seconds(1);
constexpr auto kSweepEvery = std::chrono::milliseconds(100);

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

// An answer the edge writes itself: a JSON error in the adapter's envelope,
// after which the connection closes. `message` is one of the framer's fixed
// texts (plain ASCII, nothing to escape).
std::string edge_answer(int status, std::string_view message, bool head = false) {
  const std::string body = R"({"status":"error","error":")" + std::string(message) + "\"}";
  // A HEAD answer has the headers a GET's would, and no body (RFC 9110 §9.3.2).
  return "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + (head ? std::string() : body);
}

// Frees a buffer that grew past a few KiB (one large request must not keep
// its memory for the connection's life); small ones keep theirs for reuse.
void release_if_large(std::string& s) {
  if (s.capacity() > 16 * 1024) std::string().swap(s);
}

// The request as cpp-httplib will read it: framed by Content-Length alone.
// cpp-httplib 0.11 percent-decodes header values; '%' is sent as "%25" so
// that its decoding gives back the bytes the client sent.
std::string canonical(const FramedRequest& r) {
  std::string out;
  out.reserve(r.method.size() + r.target.size() + r.body.size() + 256);
  out.append(r.method).append(" ").append(r.target).append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : r.fields) {
    out.append(name).append(": ");
    for (const char c : value) {
      if (c == '%') {
        out.append("%25");
      } else {
        out.push_back(c);
      }
    }
    out.append("\r\n");
  }
  if (!r.keep_alive) out.append("Connection: close\r\n");
  out.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n\r\n");
  out.append(r.body);
  return out;
}

// True when cpp-httplib's answer tells the client the connection ends.
bool says_close(const std::string& response) {
  const auto head_end = response.find("\r\n\r\n");
  const auto at = response.find("\r\nConnection: close\r\n");
  return at != std::string::npos && at < head_end;
}

// One request, served from memory into memory.
class Exchange final : public httplib::Stream {
 public:
  Exchange(std::string_view in, std::string& out, const std::string& peer_ip, int peer_port,
           const std::string& local_ip, int local_port)
      : in_(in),
        out_(out),
        peer_ip_(peer_ip),
        peer_port_(peer_port),
        local_ip_(local_ip),
        local_port_(local_port) {}
  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_ip_;
    port = peer_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  // httplib 0.11 answers 500 for a socket number >= FD_SETSIZE (it would
  // select() on it); nothing here is selected on.
  socket_t socket() const override { return 0; }

 private:
  std::string_view in_;
  std::string& out_;
  std::size_t pos_ = 0;
  const std::string& peer_ip_;
  int peer_port_;
  const std::string& local_ip_;
  int local_port_;
};

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? getpeername(fd, sa, &len) : getsockname(fd, sa, &len)) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

// Bytes received into `buf`: > 0; 0 when none are ready (`want_write`: TLS
// needs the socket writable first); -1 at EOF or error.
ssize_t receive(EdgeServer::Conn& c, char* buf, std::size_t size, bool& want_write) {
  want_write = false;
  if (c.ssl != nullptr) {
    const int n = SSL_read(c.ssl, buf, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
    if (n > 0) return n;
    const int error = SSL_get_error(c.ssl, n);
    if (error == SSL_ERROR_WANT_READ) return 0;
    if (error == SSL_ERROR_WANT_WRITE) {
      want_write = true;
      return 0;
    }
    ERR_clear_error();
    return -1;
  }
  while (true) {
    const ssize_t n = recv(c.fd, buf, size, 0);
    if (n > 0) return n;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
  }
}

// Bytes sent: > 0; 0 when the socket is full; -1 on error.
ssize_t send_some(EdgeServer::Conn& c, const char* data, std::size_t size) {
  if (size == 0) return 0;
  if (c.ssl != nullptr) {
    const int n = SSL_write(c.ssl, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
    if (n > 0) return n;
    const int error = SSL_get_error(c.ssl, n);
    if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) return 0;
    ERR_clear_error();
    return -1;
  }
  while (true) {
    const ssize_t n = send(c.fd, data, size, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

}  // namespace

EdgeServer::EdgeServer(RoutedServer& app, EdgeOptions options)
    : app_(app), options_(std::move(options)) {}

EdgeServer::~EdgeServer() {
  for (Conn* c : conns_) {
    if (c->ssl != nullptr) SSL_free(c->ssl);
    ::close(c->fd);
    delete c;
  }
  for (int fd : {listen_fd_, epoll_fd_, wake_fd_, spare_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

int EdgeServer::bind() {
  // Each connection is a descriptor: take the hard limit, and cap the
  // connections below it (a few descriptors stay for the database and logs).
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    if (limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
      getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur > 64) {
      options_.max_connections =
          std::min<std::size_t>(options_.max_connections, limit.rlim_cur - 64);
    }
  }
  std::string host = options_.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  for (addrinfo* a = found; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
    } else {
      ::close(fd);
    }
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) return -1;
  std::string ip;
  int bound = -1;
  address_of(listen_fd_, false, ip, bound);
  return bound;
}

void EdgeServer::stop() {
  stopping_ = true;
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
}

bool EdgeServer::run() {
  if (listen_fd_ < 0) return false;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &listen_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.ptr = &wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    workers_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "edge-worker");  // top -H, perf
      work(common_);
    });
  }
  for (int i = 0; options_.background && i < std::max(1, options_.background_threads); ++i) {
    workers_.emplace_back([this] {
      // Nice 19 (a CPU weight of 15 against the others' 1024) on this
      // thread only: Linux applies nice per thread, and raising one's own
      // needs no privilege. Not SCHED_IDLE: a stream thread holding a lock a
      // write needs (the reader pool's, the page cache's) must still get a
      // core within a few ticks.
      pthread_setname_np(pthread_self(), "edge-stream");
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
      background_worker = true;
      work(background_);
    });
  }
  // Commits wake the long polls parked on their account (only while any is).
  const int listening =
      options_.events == nullptr ? 0 : options_.events->listen([this](std::string_view account) {
        if (parked_count_.load(std::memory_order_relaxed) == 0) return;
        {
          std::lock_guard lock(woken_mutex_);
          woken_.emplace(account);
        }
        const std::uint64_t one = 1;
        (void)!write(wake_fd_, &one, sizeof one);
      });
  running_ = true;

  epoll_event events[256];
  auto last_sweep = Clock::now();
  Clock::time_point stop_by{};
  while (true) {
    const int n = epoll_wait(epoll_fd_, events, 256, 100);
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &listen_fd_) {
        accept_all();
      } else if (tag == &wake_fd_) {
        std::uint64_t count = 0;
        (void)!read(wake_fd_, &count, sizeof count);
        take_completions();
        take_wakeups();
      } else {
        on_event(*static_cast<Conn*>(tag), events[i].events);
      }
    }
    for (Conn* c : closed_) delete c;
    closed_.clear();
    const auto now = Clock::now();
    if (now - last_sweep >= kSweepEvery) {
      sweep();
      last_sweep = now;
    }
    if (stopping_) {
      if (listen_fd_ >= 0) {
        ::close(listen_fd_);  // leaves the epoll set with it
        listen_fd_ = -1;
        stop_by = now + options_.write_timeout;
        std::vector<Conn*> parked;
        for (const auto& entry : parked_) parked.push_back(entry.second);
        for (Conn* c : parked) end_parked(*c);
      }
      // Idle connections go now; requests in flight are answered (with a
      // close) first, and a lingering one keeps its linger (closed at once,
      // a client still sending would get a reset that can destroy the answer).
      std::vector<Conn*> idle;
      for (Conn* c : conns_) {
        // Only a connection the I/O thread owns may be looked at: a
        // worker may be changing its phase.
        if (c->owner.load(std::memory_order_acquire) != kIo) continue;
        const bool finishing =
            c->phase == Conn::Phase::Writing || c->phase == Conn::Phase::Lingering;
        if (!finishing || now >= stop_by) idle.push_back(c);
      }
      for (Conn* c : idle) close_conn(*c);
      if (conns_.empty()) break;
    }
  }
  {
    std::lock_guard lock(jobs_mutex_);
    workers_stop_ = true;
  }
  common_.ready.notify_all();
  background_.ready.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  if (listening != 0) options_.events->unlisten(listening);
  for (Conn* c : closed_) delete c;
  closed_.clear();
  running_ = false;
  return true;
}

http::Streaming EdgeServer::stream_current(std::string_view account, std::uint64_t generation,
                                           std::int64_t last_seq) {
  Conn* c = running_conn;
  if (c == nullptr || c->http10 || c->head) return http::Streaming::No;
  c->stream_requested = true;
  c->park_account = account;
  c->park_generation = generation;
  c->stream_last_seq = last_seq;
  return c->streaming ? http::Streaming::Continued : http::Streaming::Started;
}

bool EdgeServer::park_current(std::string_view account, std::uint64_t generation,
                              std::chrono::milliseconds wait) {
  Conn* c = running_conn;
  if (c == nullptr || c->no_park) return false;
  const auto now = Clock::now();
  if (c->park_deadline == Clock::time_point{}) c->park_deadline = now + wait;
  if (now >= c->park_deadline) return false;
  c->park_requested = true;
  c->park_account = account;
  c->park_generation = generation;
  return true;
}

// I/O thread: the worker asked to park `c`. It waits unarmed (a client that
// leaves is noticed when the answer is written) until woken, rechecked or due.
void EdgeServer::park(Conn& c) {
  c.park_requested = false;
  c.phase = Conn::Phase::Parked;
  c.deadline = c.streaming ? Clock::now() + kRecheckParked
                           : std::min(c.park_deadline, Clock::now() + kRecheckParked);
  parked_.emplace(c.park_account, &c);
  ++parked_count_;
  if (stopping_) return end_parked(c);
  // A commit between the route's read and now was not seen by the wakeups.
  if (options_.events != nullptr &&
      options_.events->generation(c.park_account) != c.park_generation) {
    return rerun(c);
  }
  // Watched for the client leaving (EPOLLRDHUP, HUP, ERR): a dead poll must
  // not hold its slot until its deadline.
  arm(c, 0);
}

void EdgeServer::unpark(Conn& c) {
  auto [first, last] = parked_.equal_range(c.park_account);
  for (auto it = first; it != last; ++it) {
    if (it->second == &c) {
      parked_.erase(it);
      --parked_count_;
      return;
    }
  }
}

void EdgeServer::end_parked(Conn& c) {
  if (!c.streaming) {
    c.no_park = true;
    c.parked_request.keep_alive = false;
    return rerun(c);
  }
  unpark(c);
  c.streaming = false;
  c.out = "0\r\n\r\n";  // the last chunk: the client resumes elsewhere by Last-Event-ID
  c.out_sent = 0;
  c.close_after = true;
  c.phase = Conn::Phase::Writing;
  c.deadline = Clock::now() + options_.write_timeout;
  flush(c);
}

void EdgeServer::rerun(Conn& c) {
  unpark(c);
  c.phase = Conn::Phase::Busy;
  c.owner.store(kWorker, std::memory_order_relaxed);  // published by the queue's lock
  enqueue(Job{&c, std::move(c.parked_request)});
}

bool is_stream_read(const FramedRequest& r) {
  if (r.method != "GET" && r.method != "HEAD") return false;
  constexpr std::string_view kEvents = "/api/v2/events";
  const auto is_events = [&](std::string_view path) {
    return path.substr(0, kEvents.size()) == kEvents &&
           (path.size() == kEvents.size() || path[kEvents.size()] == '/');
  };
  // On the I/O thread for every request: a copy only for an escaped path.
  const std::string_view path = std::string_view(r.target).substr(0, r.target.find('?'));
  if (path.find('%') == std::string_view::npos) return is_events(path);
  return is_events(httplib::detail::decode_url(std::string(path), false));
}

void EdgeServer::enqueue(Job job) {
  Lane& lane = options_.background && options_.background(job.request) ? background_ : common_;
  {
    std::lock_guard lock(jobs_mutex_);
    lane.jobs.push_back(std::move(job));
  }
  lane.ready.notify_one();
}

void EdgeServer::take_wakeups() {
  std::unordered_set<std::string> woken;
  {
    std::lock_guard lock(woken_mutex_);
    woken.swap(woken_);
  }
  for (const std::string& account : woken) {
    std::vector<Conn*> due;
    auto [first, last] = parked_.equal_range(account);
    for (auto it = first; it != last; ++it) due.push_back(it->second);
    for (Conn* c : due) rerun(*c);
  }
}

void EdgeServer::accept_all() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
        // Out of descriptors: free the spare one to take the client off the
        // queue and refuse it, rather than leave it hanging in the backlog.
        ::close(spare_fd_);
        fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) refuse_connection(fd);
        spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) continue;
      }
      return;  // EAGAIN: the queue is empty
    }
    if (conns_.size() >= options_.max_connections || stopping_) {
      refuse_connection(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL* ssl = nullptr;
    if (options_.tls != nullptr) {
      ssl = SSL_new(options_.tls);
      if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
        if (ssl != nullptr) SSL_free(ssl);
        ::close(fd);
        continue;
      }
      SSL_set_accept_state(ssl);
      SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    }
    auto* c = new Conn(fd, ssl, options_.limits);
    address_of(fd, true, c->peer_ip, c->peer_port);
    address_of(fd, false, c->local_ip, c->local_port);
    // A TLS client has the read timeout to finish its handshake.
    c->phase = ssl != nullptr ? Conn::Phase::Handshake : Conn::Phase::Reading;
    c->deadline = Clock::now() + (ssl != nullptr ? options_.read_timeout : options_.idle_timeout);
    conns_.insert(c);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.ptr = c;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) close_conn(*c);
  }
}

void EdgeServer::refuse_connection(int fd) {
  // Plain HTTP gets a reason; a TLS client cannot read one before its handshake.
  if (options_.on_refusal) {
    std::string ip;
    int port = 0;
    address_of(fd, true, ip, port);
    options_.on_refusal(503, ip);
  }
  if (options_.tls == nullptr) {
    const std::string answer = edge_answer(503, "too many connections");
    (void)!send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  }
  ::close(fd);
}

void EdgeServer::arm(Conn& c, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.ptr = &c;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) close_conn(c);
}

void EdgeServer::on_event(Conn& c, std::uint32_t events) {
  (void)events;
  if (c.fd < 0) return;  // closed earlier in this batch
  // A parked connection's watch that fired after it went back to a worker:
  // the worker re-arms it when done (a closed peer is seen then).
  if (c.owner.load(std::memory_order_acquire) == kWorker) return;
  // A worker that is re-arming the connection has finished with it; wait
  // for the few instructions until it says so.
  while (c.owner.load(std::memory_order_acquire) != kIo) std::this_thread::yield();
  switch (c.phase) {
    case Conn::Phase::Handshake:
      return handshake(c);
    case Conn::Phase::Reading:
      return read_input(c);
    case Conn::Phase::Writing:
      return flush(c);
    case Conn::Phase::Lingering:
      return linger(c);
    case Conn::Phase::Parked:
      return close_conn(c);  // the client left (or reset) while it waited
    case Conn::Phase::Busy:
      return;  // not armed while busy
  }
}

void EdgeServer::handshake(Conn& c) {
  const int r = SSL_do_handshake(c.ssl);
  if (r == 1) {
    c.phase = Conn::Phase::Reading;
    c.deadline = Clock::now() + options_.idle_timeout;
    return read_input(c);
  }
  const int error = SSL_get_error(c.ssl, r);
  if (error == SSL_ERROR_WANT_READ) return arm(c, EPOLLIN);
  if (error == SSL_ERROR_WANT_WRITE) return arm(c, EPOLLOUT);
  ERR_clear_error();
  close_conn(c);
}

void EdgeServer::read_input(Conn& c) {
  char buf[kReadChunk];
  std::size_t total = 0;
  while (total < kMaxReadPerEvent && !c.peer_done) {
    const ssize_t n = receive(c, buf, sizeof buf, c.want_write);
    // EOF (or TLS close_notify, or an error): what already came is answered
    // first; a request cut short by it is just dropped.
    if (n < 0) c.peer_done = true;
    if (n <= 0) break;
    c.in.append(buf, static_cast<std::size_t>(n));
    total += static_cast<std::size_t>(n);
    // A short read drained the socket; TLS may still hold decrypted bytes.
    if (c.ssl == nullptr && static_cast<std::size_t>(n) < sizeof buf) break;
  }
  c.request_bytes += total;
  buffered_ += total;
  if (buffered_ > options_.max_buffered_bytes && c.request_bytes > kReadChunk) {
    // Partial requests hold too much memory together: the one adding to it
    // goes, told why.
    return answer_and_close(c, 503, "server busy");
  }
  process_input(c);  // may close `c`: nothing touches it after
}

void EdgeServer::process_input(Conn& c) {
  while (c.in_used < c.in.size()) {
    c.in_used += c.framer.feed(c.in.data() + c.in_used, c.in.size() - c.in_used);
    if (c.framer.state() != RequestFramer::State::Idle && !c.request_started) {
      c.request_started = true;
      c.deadline = Clock::now() + options_.read_timeout;
    }
    if (c.framer.take_continue()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      if (send_some(c, kContinue.data(), kContinue.size()) !=
          static_cast<ssize_t>(kContinue.size())) {
        return close_conn(c);
      }
    }
    if (c.framer.state() == RequestFramer::State::Refused) {
      const Refusal refusal = c.framer.refusal();
      return answer_and_close(c, refusal.status, refusal.message, c.framer.head_request());
    }
    if (c.framer.state() == RequestFramer::State::Complete) {
      end_request(c);
      FramedRequest request = c.framer.take();
      ++c.served;
      if (c.served >= options_.max_requests_per_connection || stopping_) {
        request.keep_alive = false;
      }
      c.in.erase(0, c.in_used);  // what follows is the next request's
      c.in_used = 0;
      release_if_large(c.in);
      c.request_bytes = c.in.size();
      buffered_ += c.request_bytes;
      c.phase = Conn::Phase::Busy;
      c.owner.store(kWorker, std::memory_order_relaxed);  // published by the queue's lock
      enqueue(Job{&c, std::move(request)});
      return;
    }
  }
  c.in.clear();
  c.in_used = 0;
  release_if_large(c.in);
  if (c.peer_done) return close_conn(c);  // nothing more will come
  arm(c, EPOLLIN | (c.want_write ? std::uint32_t{EPOLLOUT} : 0u));
}

void EdgeServer::end_request(Conn& c) {
  buffered_ -= std::min(buffered_, c.request_bytes);
  c.request_bytes = 0;
}

void EdgeServer::answer_and_close(Conn& c, int status, std::string_view message, bool head) {
  if (options_.on_refusal) options_.on_refusal(status, c.peer_ip);
  end_request(c);
  c.out = edge_answer(status, message, head);
  c.out_sent = 0;
  c.close_after = true;
  c.phase = Conn::Phase::Writing;
  c.deadline = Clock::now() + options_.write_timeout;
  flush(c);
}

void EdgeServer::flush(Conn& c) {
  while (c.out_sent < c.out.size()) {
    const ssize_t n = send_some(c, c.out.data() + c.out_sent, c.out.size() - c.out_sent);
    if (n < 0) return close_conn(c);
    if (n == 0) return arm(c, EPOLLOUT);
    c.out_sent += static_cast<std::size_t>(n);
  }
  finish_write(c);
}

void EdgeServer::finish_write(Conn& c) {
  c.out.clear();
  c.out_sent = 0;
  release_if_large(c.out);
  if (c.streaming && !c.close_after) {
    c.stream_sent = Clock::now();
    return park(c);  // until the account's next commit
  }
  if (c.close_after) {
    // Nothing more is read as a request. Half-close, then drain what the
    // client already sent for a moment: closing with unread bytes would
    // reset the connection and could destroy the answer in flight.
    if (c.ssl != nullptr) {
      SSL_shutdown(c.ssl);
      ERR_clear_error();
    }
    shutdown(c.fd, SHUT_WR);
    c.phase = Conn::Phase::Lingering;
    c.deadline = Clock::now() + kLinger;
    c.in.clear();
    c.in_used = 0;
    return linger(c);
  }
  c.phase = Conn::Phase::Reading;
  c.request_started = false;
  c.deadline = Clock::now() + options_.idle_timeout;
  process_input(c);  // a pipelined request may be waiting
}

void EdgeServer::linger(Conn& c) {
  char buf[4096];
  while (true) {
    const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.discarded += static_cast<std::size_t>(n);
      if (c.discarded > kMaxLingerBytes) return close_conn(c);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return arm(c, EPOLLIN);
    return close_conn(c);  // EOF or error
  }
}

void EdgeServer::close_conn(Conn& c) {
  if (c.phase == Conn::Phase::Parked) unpark(c);
  end_request(c);
  if (c.ssl != nullptr) SSL_free(c.ssl);
  ::close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  conns_.erase(&c);
  // Freed after the current batch of events: one still in it (a watch that
  // fired before a completion closed the connection) must find it.
  closed_.push_back(&c);
}

void EdgeServer::sweep() {
  const auto now = Clock::now();
  std::vector<Conn*> expired;
  for (Conn* c : conns_) {
    if (c->owner.load(std::memory_order_acquire) == kIo && c->phase != Conn::Phase::Busy &&
        now >= c->deadline) {
      expired.push_back(c);
    }
  }
  for (Conn* c : expired) {
    if (c->phase == Conn::Phase::Parked && c->streaming && now - c->stream_sent >= kHeartbeat) {
      unpark(*c);  // a comment, so proxies and the client see the stream alive
      c->out = chunk(": heartbeat\n\n");
      c->out_sent = 0;
      c->phase = Conn::Phase::Writing;
      c->deadline = now + options_.write_timeout;
      flush(*c);
    } else if (c->phase == Conn::Phase::Parked) {
      rerun(*c);  // its recheck or its deadline
    } else if (c->phase == Conn::Phase::Reading && c->request_started) {
      answer_and_close(*c, 408, "request timeout", c->framer.head_request());  // told, then closed
    } else {
      close_conn(*c);  // idle, or not reading what we send
    }
  }
}

void EdgeServer::take_completions() {
  std::vector<Conn*> done;
  {
    std::lock_guard lock(done_mutex_);
    done.swap(done_);
  }
  for (Conn* c : done) {
    c->owner.store(kIo, std::memory_order_relaxed);
    if (c->park_requested) {
      park(*c);
      continue;
    }
    c->stream_requested = false;
    c->phase = Conn::Phase::Writing;
    c->deadline = Clock::now() + options_.write_timeout;
    flush(*c);
  }
}

void EdgeServer::work(Lane& lane) {
  while (true) {
    Job job;
    {
      std::unique_lock lock(jobs_mutex_);
      lane.ready.wait(lock, [&] { return workers_stop_ || !lane.jobs.empty(); });
      if (lane.jobs.empty()) return;
      job = std::move(lane.jobs.front());
      lane.jobs.pop_front();
    }
    if (serve(job)) continue;
    bool was_empty;
    {
      std::lock_guard lock(done_mutex_);
      was_empty = done_.empty();
      done_.push_back(job.conn);
    }
    if (was_empty) {
      const std::uint64_t one = 1;
      (void)!write(wake_fd_, &one, sizeof one);
    }
  }
}

bool EdgeServer::serve(Job& job) {
  Conn& c = *job.conn;
  const std::string request = canonical(job.request);
  std::string response;
  Exchange exchange(request, response, c.peer_ip, c.peer_port, c.local_ip, c.local_port);
  c.http10 = job.request.minor == 0;
  c.head = job.request.method == "HEAD";  // a HEAD answer has no body: never a stream
  running_conn = &c;
  app_.answer(exchange, !job.request.keep_alive);
  running_conn = nullptr;
  if (c.stream_requested) {
    // The stream's head (first run) and body as a chunk; the I/O thread
    // sends it, then parks the connection (finish_write).
    const auto head_end = response.find("\r\n\r\n");
    const std::string_view body = head_end == std::string::npos
                                      ? std::string_view()
                                      : std::string_view(response).substr(head_end + 4);
    std::string out;
    if (!c.streaming) {
      std::string head = response.substr(0, head_end + 2);
      const auto length = head.find("Content-Length: ");
      if (length != std::string::npos) head.erase(length, head.find("\r\n", length) + 2 - length);
      out = head + "Transfer-Encoding: chunked\r\n\r\n";
      c.streaming = true;
    }
    if (!body.empty()) out += chunk(body);
    c.out = std::move(out);
    c.out_sent = 0;
    c.close_after = false;
    set_last_event_id(job.request, c.stream_last_seq);
    c.parked_request = std::move(job.request);
    return false;
  }
  if (c.streaming) {
    // The run did not continue the stream: an error (the cursor fell behind
    // the retention: 410; storage: 503). Its status line cannot be sent any
    // more, so its body goes out as the stream's last event, then the stream
    // ends and the connection closes. No id: a client resuming by
    // Last-Event-ID gets the same answer as a status.
    c.streaming = false;
    const auto head_end = response.find("\r\n\r\n");
    c.out = head_end == std::string::npos || head_end + 4 == response.size()
                ? std::string()
                : chunk(error_event(std::string_view(response).substr(head_end + 4)));
    c.out += "0\r\n\r\n";
    c.out_sent = 0;
    c.close_after = true;
    return false;
  }
  if (c.park_requested) {
    c.parked_request = std::move(job.request);
    return false;  // the I/O thread parks it
  }
  c.park_requested = false;
  c.park_deadline = {};
  c.close_after = !job.request.keep_alive || says_close(response);
  if (!c.close_after && job.request.minor == 0) {
    // An HTTP/1.0 client keeps the connection only when told (RFC 9112 §9.3).
    response.insert(response.find("\r\n") + 2, "Connection: keep-alive\r\n");
  }
  c.out = std::move(response);
  c.out_sent = 0;
  // Send from here: most answers fit the socket buffer at once.
  while (c.out_sent < c.out.size()) {
    const ssize_t n = send_some(c, c.out.data() + c.out_sent, c.out.size() - c.out_sent);
    if (n <= 0) break;
    c.out_sent += static_cast<std::size_t>(n);
  }
  if (c.out_sent < c.out.size() || c.close_after || !c.in.empty() || c.peer_done || stopping_ ||
      background_worker) {
    return false;
  }
  // Fast path: all sent, nothing pipelined; wait for the next request.
  c.out.clear();
  c.out_sent = 0;
  release_if_large(c.out);
  c.phase = Conn::Phase::Reading;
  c.request_started = false;
  c.deadline = Clock::now() + options_.idle_timeout;
  c.owner.store(kArming, std::memory_order_release);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.ptr = &c;
  const bool armed = epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) == 0;
  if (!armed) {
    c.owner.store(kWorker, std::memory_order_relaxed);
    c.close_after = true;  // let the I/O thread close it
    return false;
  }
  c.owner.store(kIo, std::memory_order_release);
  return true;
}

}  // namespace orderstate::server
