// stream_bench: subscribers of an account's stream (issue 16). Opens SUBS
// connections, driven by one epoll thread, that follow GET /api/v2/events
// with long polls (wait=5, limit=1000) from the current end of the stream,
// for SECONDS. With RATE > 0
// it also places RATE orders a second through its own connection and times
// each event's delivery: from the place's acknowledgment to each
// subscriber's receipt. Prints one line:
//   "subs events events_per_s order_errors delay_p50_ms delay_p99_ms min_per_sub max_per_sub
//    polls" (polls: answers received, all subscribers)
// order_errors counts events a subscriber got out of order, twice or after a
// gap, plus failed polls. Delays are "-" without RATE.
// Usage: stream_bench PORT KEY SUBS SECONDS [RATE=0]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// A connection whose reads give up after 10 s (a stuck poll is a failure).
int connect_to(int port) {
  const int fd = orderstate::bench::connect_to(port);
  if (fd < 0) return -1;
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// One request and its answer's body (Content-Length framing); false on failure.
bool exchange(int fd, const std::string& request, std::string& body) {
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return false;
  }
  std::string data;
  char buf[65536];
  while (true) {
    const auto end = data.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto cl = data.find("Content-Length: ");
      if (cl == std::string::npos || cl > end) return false;
      const std::size_t length = std::strtoul(data.c_str() + cl + 16, nullptr, 10);
      if (data.size() >= end + 4 + length) {
        body = data.substr(end + 4, length);
        return data.compare(9, 3, "200") == 0 || data.compare(9, 3, "201") == 0;
      }
    }
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
  }
}

std::string get(const std::string& path, const std::string& key) {
  return "GET " + path + " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + key + "\r\n\r\n";
}

// POST /api/v2/orders of one limit buy.
std::string place_request(const std::string& key) {
  const std::string body =
      R"({"exchange":"binance","symbol":"BTC/USDT","side":"BUY","type":"LIMIT",)"
      R"("amount":"0.01","price":"50000.00"})";
  return "POST /api/v2/orders HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + key +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Every (seq, order_id) of an events body, in order.
std::vector<std::pair<long long, std::string>> events_of(const std::string& body) {
  std::vector<std::pair<long long, std::string>> out;
  for (std::size_t at = body.find("{\"seq\":"); at != std::string::npos;
       at = body.find("{\"seq\":", at + 1)) {
    const long long seq = std::strtoll(body.c_str() + at + 7, nullptr, 10);
    const auto id = body.find("\"order_id\":\"", at) + 12;
    out.emplace_back(seq, body.substr(id, body.find('"', id) - id));
  }
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s PORT KEY SUBS SECONDS [RATE]\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string key = argv[2];
  const int subs = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  const int rate = argc > 5 ? std::atoi(argv[5]) : 0;

  // The current end of the stream: the smallest `after` with no event after
  // it (seq has no gaps), by doubling then bisection, a few dozen requests
  // however long the journal (a connection serves at most 1,000).
  long long start = 0;
  {
    const int fd = connect_to(port);
    bool failed = fd < 0;
    std::string body;
    const auto empty_after = [&](long long after) {
      failed =
          failed ||
          !exchange(fd, get("/api/v2/events?limit=1&after=" + std::to_string(after), key), body);
      return failed || body.find("\"count\":0") != std::string::npos;
    };
    long long lo = 0, hi = 1;  // events after lo; none after hi once found
    if (empty_after(0)) {
      hi = 0;
    } else {
      while (!empty_after(hi)) lo = hi, hi *= 2;
      while (hi - lo > 1) {
        const long long mid = lo + (hi - lo) / 2;
        (empty_after(mid) ? hi : lo) = mid;
      }
    }
    if (failed) {
      std::fprintf(stderr, "stream_bench: cannot read the stream\n");
      return 1;
    }
    start = hi;
    close(fd);
  }

  std::atomic<bool> stop{false};
  std::atomic<long long> errors{0}, during{0};
  std::mutex times_mutex;
  std::map<std::string, Clock::time_point> acked;  // order id -> its place's acknowledgment
  std::vector<std::pair<std::string, Clock::time_point>> received;  // subscribers' thread
  std::vector<long long> per_sub(static_cast<std::size_t>(subs));
  // The subscribers: one thread, one epoll set, SUBS non-blocking
  // connections (as an event-driven client would hold them; 200 threads
  // would spend this machine's two cores switching between them).
  long long polls = 0;  // answers received; the subscribers' thread, read after it ends
  std::thread subscribers([&] {
    struct Sub {
      int fd = -1;
      long long after = 0;
      std::string in;
      bool done = false;  // answered after stop
    };
    std::vector<Sub> all(static_cast<std::size_t>(subs));
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    const auto open = [&](std::size_t i) {
      Sub& s = all[i];
      if (s.fd >= 0) close(s.fd);  // leaves the epoll set with it
      s.in.clear();
      s.fd = connect_to(port);
      if (s.fd < 0) return;
      fcntl(s.fd, F_SETFL, O_NONBLOCK);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      epoll_ctl(ep, EPOLL_CTL_ADD, s.fd, &ev);
    };
    // The next poll; on a failure a new connection and one more try.
    const auto ask = [&](std::size_t i) {
      const auto sent = [&] {
        const Sub& s = all[i];
        const std::string r =
            get("/api/v2/events?limit=1000&wait=5&after=" + std::to_string(s.after), key);
        return s.fd >= 0 &&
               send(s.fd, r.data(), r.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(r.size());
      };
      if (sent()) return;
      ++errors;
      open(i);
      if (!sent()) ++errors;
    };
    for (std::size_t i = 0; i < all.size(); ++i) {
      all[i].after = start;
      open(i);
      ask(i);
    }
    std::size_t finished = 0;
    bool stopping = false;
    Clock::time_point deadline;  // once stopping: the last answers' limit
    std::vector<epoll_event> ready(256);
    char buf[65536];
    while (finished < all.size() && (!stopping || Clock::now() < deadline)) {
      const int n = epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 50);
      if (!stopping && stop.load()) {  // answers from now on are the last ones
        stopping = true;
        deadline = Clock::now() + std::chrono::seconds(10);
      }
      const auto now = Clock::now();
      for (int k = 0; k < n; ++k) {
        const std::size_t i = ready[static_cast<std::size_t>(k)].data.u64;
        Sub& s = all[i];
        ssize_t got;
        while ((got = recv(s.fd, buf, sizeof buf, 0)) > 0)
          s.in.append(buf, static_cast<std::size_t>(got));
        if (got == 0 || (got < 0 && errno != EAGAIN)) {
          if (s.done) {  // its last answer is in; the server closed it idle
            close(s.fd);
            s.fd = -1;
            continue;
          }
          ++errors;
          open(i);
          if (!stopping) ask(i);
          continue;
        }
        const auto head = s.in.find("\r\n\r\n");
        if (head == std::string::npos) continue;
        const auto cl = s.in.find("Content-Length: ");
        const std::size_t length =
            cl < head ? std::strtoul(s.in.c_str() + cl + 16, nullptr, 10) : 0;
        if (s.in.size() < head + 4 + length) continue;
        if (cl > head || s.in.compare(9, 3, "200") != 0) ++errors;
        for (const auto& [seq, id] : events_of(s.in.substr(head + 4, length))) {
          if (seq != s.after + 1) ++errors;
          s.after = seq;
          ++per_sub[i];
          if (!stopping) ++during;
          if (rate > 0) received.emplace_back(id, now);
        }
        s.in.erase(0, head + 4 + length);
        ++polls;
        if (stopping) {
          s.done = true;
          ++finished;
        } else {
          ask(i);
        }
      }
    }
    for (const Sub& s : all) {
      if (!s.done) ++errors;  // never answered after the stop
      if (s.fd >= 0) close(s.fd);
    }
    close(ep);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // all of them parked
  const auto t0 = Clock::now();
  std::thread writer;
  if (rate > 0) {
    writer = std::thread([&] {
      const int fd = connect_to(port);
      const std::string request = place_request(key);
      auto next = Clock::now();
      std::string answer;
      while (!stop.load() && fd >= 0) {
        std::this_thread::sleep_until(next);
        next += std::chrono::microseconds(1000000 / rate);
        if (!exchange(fd, request, answer)) {
          ++errors;
          break;
        }
        const auto id_at = answer.find("\"order_id\":\"") + 12;
        std::lock_guard lock(times_mutex);
        acked[answer.substr(id_at, answer.find('"', id_at) - id_at)] = Clock::now();
      }
      if (fd >= 0) close(fd);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  const long long delivered = during.load();
  stop = true;
  if (writer.joinable()) writer.join();
  // Wake the parked polls: one more event ends them at once.
  {
    const int fd = connect_to(port);
    std::string answer;
    if (fd >= 0) {
      if (!exchange(fd, place_request(key), answer))
        std::fprintf(stderr, "stream_bench: the last place failed\n");
      close(fd);
    }
  }
  subscribers.join();
  std::vector<double> delays;
  for (const auto& [id, at] : received) {
    const auto it = acked.find(id);
    if (it != acked.end()) {
      delays.push_back(std::chrono::duration<double, std::milli>(at - it->second).count());
    }
  }
  long long total = 0;
  for (const long long n : per_sub) total += n;
  const auto [lo, hi] = std::minmax_element(per_sub.begin(), per_sub.end());
  if (rate > 0) {
    std::printf("%d %lld %.0f %lld %.2f %.2f %lld %lld %lld\n", subs, total,
                static_cast<double>(delivered) / elapsed, errors.load(), percentile(delays, 0.5),
                percentile(delays, 0.99), *lo, *hi, polls);
  } else {
    std::printf("%d %lld %.0f %lld - - %lld %lld %lld\n", subs, total,
                static_cast<double>(delivered) / elapsed, errors.load(), *lo, *hi, polls);
  }
  return 0;
}
