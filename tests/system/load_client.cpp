// orderstate-load: mixed place/cancel/get/list traffic against a running
// orderstate-server for a bounded time, then exact counts by endpoint and
// status, latency percentiles, and every answer outside the expected codes.
// Driven by tests/system/soak.sh; exits 1 when anything unexpected came.
//
//   orderstate-load --port N --key KEY [--connections 16] [--seconds 300]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api.hpp"

using namespace orderstate::system_test;
using Clock = std::chrono::steady_clock;

namespace {

enum Endpoint { kPlace, kCancel, kCancelUnknown, kGet, kList, kEndpoints };
const char* const kNames[kEndpoints] = {"place_order", "cancel_order", "cancel_order(unknown)",
                                        "get_order", "list_orders"};

bool expected(Endpoint e, int status) {
  switch (e) {
    case kPlace:
      return status == 201;
    case kCancel:
      return status == 200 || status == 409;
    case kCancelUnknown:
      return status == 404;
    default:
      return status == 200;
  }
}

struct Tally {
  std::map<int, long> by_status[kEndpoints];  // status -1: no answer
  std::vector<std::int64_t> micros[kEndpoints];
  std::vector<std::string> unexpected;  // the first few, for the report

  void add(Endpoint e, const Reply& r, std::int64_t us) {
    ++by_status[e][r.status];
    micros[e].push_back(us);
    if (!expected(e, r.status) && unexpected.size() < 20) {
      unexpected.push_back(std::string(kNames[e]) + " -> " + std::to_string(r.status) + " " +
                           r.body.substr(0, 200));
    }
  }
  void merge(Tally& o) {
    for (int e = 0; e < kEndpoints; ++e) {
      for (auto [s, n] : o.by_status[e]) by_status[e][s] += n;
      micros[e].insert(micros[e].end(), o.micros[e].begin(), o.micros[e].end());
    }
    for (auto& u : o.unexpected) {
      if (unexpected.size() < 20) unexpected.push_back(std::move(u));
    }
  }
};

// One connection's loop: 30% place, 25% cancel of one of its orders (200 or
// 409), 5% cancel of an unknown id, 25% get, 15% list of 50.
void drive(int port, const std::string& key, unsigned seed, Clock::time_point until, Tally& t) {
  Api api(port, key);
  std::mt19937 rng(seed);
  std::vector<std::string> mine;
  auto timed = [&](Endpoint e, auto&& call) {
    const auto started = Clock::now();
    const Reply r = call();
    t.add(e, r,
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
    return r;
  };
  while (Clock::now() < until) {
    const int dice = static_cast<int>(rng() % 100);
    const std::string some = mine.empty() ? std::string() : mine[rng() % mine.size()];
    if (dice < 30 || mine.empty()) {
      const Reply r = timed(kPlace, [&] { return api.place(); });
      if (r.status == 201) mine.push_back(first_member(r.body, "order_id"));
    } else if (dice < 55) {
      timed(kCancel, [&] { return api.cancel(some); });
    } else if (dice < 60) {
      timed(kCancelUnknown, [&] { return api.cancel("ord-20200101000000-999999999"); });
    } else if (dice < 85) {
      timed(kGet, [&] { return api.order(some); });
    } else {
      timed(kList,
            [&] { return api.get(dice % 2 ? "orders?limit=50" : "orders?status=OPEN&limit=50"); });
    }
    if (mine.size() > 10000) mine.erase(mine.begin(), mine.begin() + 5000);
  }
}

std::int64_t percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  const auto at = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
  return v[at];
}

int report(Tally& total, double seconds) {
  long requests = 0, server_errors = 0, no_answer = 0, off = 0;
  std::map<int, long> overall;
  std::printf("%-22s %9s %9s %9s %9s  statuses\n", "endpoint", "requests", "p50_us", "p99_us",
              "max_us");
  for (int e = 0; e < kEndpoints; ++e) {
    long n = 0;
    std::string statuses;
    for (auto [s, c] : total.by_status[e]) {
      n += c;
      overall[s] += c;
      statuses += " " + std::to_string(s) + ":" + std::to_string(c);
      if (s >= 500) server_errors += c;
      if (s < 0) no_answer += c;
      if (!expected(static_cast<Endpoint>(e), s)) off += c;
    }
    requests += n;
    auto& v = total.micros[e];
    const auto max = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    std::printf("%-22s %9ld %9lld %9lld %9lld %s\n", kNames[e], n,
                static_cast<long long>(percentile(v, 0.5)),
                static_cast<long long>(percentile(v, 0.99)), static_cast<long long>(max),
                statuses.c_str());
  }
  std::printf("total requests: %ld in %.1f s (%.0f/s)\n", requests, seconds,
              static_cast<double>(requests) / seconds);
  std::printf("by status:");
  for (auto [s, c] : overall) std::printf(" %d:%ld", s, c);
  std::printf("\nunexpected answers: %ld\n5xx answers: %ld\nno answer: %ld\n", off, server_errors,
              no_answer);
  for (const auto& u : total.unexpected) std::printf("  unexpected: %s\n", u.c_str());
  return off == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1, connections = 16;
  double seconds = 300;
  std::string key;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port")
      port = std::atoi(argv[i + 1]);
    else if (flag == "--key")
      key = argv[i + 1];
    else if (flag == "--connections")
      connections = std::atoi(argv[i + 1]);
    else if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
  }
  if (port <= 0 || key.empty() || connections < 1 || seconds <= 0) {
    std::fprintf(stderr,
                 "usage: orderstate-load --port N --key KEY [--connections 16] "
                 "[--seconds 300]\n");
    return 2;
  }
  const auto started = Clock::now();
  const auto until = started + std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  std::vector<Tally> tallies(static_cast<std::size_t>(connections));
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back(drive, port, key, 1000u + static_cast<unsigned>(c), until,
                         std::ref(tallies[static_cast<std::size_t>(c)]));
  }
  for (std::thread& t : threads) t.join();
  Tally total;
  for (Tally& t : tallies) total.merge(t);
  return report(total, std::chrono::duration<double>(Clock::now() - started).count());
}
