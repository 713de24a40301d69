// The journal as a stream (issue 16): per-account numbering with no gap, in
// commit order, the order's state after each event, scoping, and the bus that
// wakes waiting readers. Tagged [orders]: SQLite here, PostgreSQL in
// core_tests_postgres (the two-instance race is in postgres_repository_test).
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "fixtures.hpp"

using namespace orderstate;
using orderstate::testing::limit_buy;
using orderstate::testing::Service;

namespace {

std::string spell(const StreamEvent& e) {
  return std::to_string(e.seq) + " " + (e.event.from ? to_string(*e.event.from) : "-") + ">" +
         to_string(e.event.to) + ":" + e.event.reason + " filled=" + e.order.filled_amount.text();
}

std::vector<StreamEvent> all_events(Orders& orders, const std::string& account) {
  std::vector<StreamEvent> out;
  for (std::int64_t after = 0;;) {
    auto page = orders.events_since(account, after, 7);  // small pages: paging is exercised
    REQUIRE(page.ok());
    if (page->events.empty()) return out;
    for (auto& e : page->events) out.push_back(std::move(e));
    after = page->next_after;
  }
}

}  // namespace

TEST_CASE("every change of an account's orders is one stream event, numbered with no gap",
          "[orders][stream]") {
  Service s;
  const Placed a = s.orders.place("acct", limit_buy()).value();
  const Placed b = s.orders.place("acct", limit_buy("2", "100")).value();
  (void)s.orders.place("other", limit_buy()).value();
  REQUIRE(s.orders
              .apply_execution("acct", {.exec_id = "T1",
                                        .order_id = a.order.order_id,
                                        .kind = ExecKind::Trade,
                                        .last_amount = "0.004",
                                        .last_price = "50010.00"})
              .ok());
  REQUIRE(s.orders.cancel("acct", a.order.order_id).ok());
  const auto replaced = s.orders.replace("acct", b.order.order_id, {.amount = "3"}).value();
  CHECK(s.orders.cancel("acct", a.order.order_id).code() == Errc::NotOpen);  // no event

  const auto events = all_events(s.orders, "acct");
  std::vector<std::string> seen;
  for (const auto& e : events) seen.push_back(spell(e));
  CHECK(seen == std::vector<std::string>{"1 ->OPEN:place filled=0", "2 ->OPEN:place filled=0",
                                         "3 OPEN>PARTIALLY_FILLED:trade filled=0.004",
                                         "4 PARTIALLY_FILLED>CANCELED:cancel filled=0.004",
                                         "5 OPEN>REPLACED:replace filled=0",
                                         "6 ->OPEN:replace filled=0"});
  // The order as it was then: the first event shows it OPEN and unfilled
  // though it is now CANCELED with a fill.
  REQUIRE(events.size() == 6);
  CHECK(events[0].order.order_id == a.order.order_id);
  CHECK(events[0].order.status == OrderStatus::Open);
  CHECK_FALSE(events[0].order.average_fill_price);
  CHECK(events[2].order.average_fill_price == "50010.0000000000");
  CHECK(events[5].order.order_id == replaced.order.order_id);
  CHECK(events[5].order.amount == "3");
  CHECK(events[0].event.at == "2026-03-03T12:00:00Z");
  // Another account has its own numbering and never sees these.
  const auto others = all_events(s.orders, "other");
  REQUIRE(others.size() == 1);
  CHECK(others[0].seq == 1);
  CHECK(others[0].order.account_id == "other");
  CHECK(s.orders.events_since("nobody", 0)->events.empty());
  // Reading on from anywhere gives the rest, and nothing past the end.
  const auto tail = s.orders.events_since("acct", 4, 100).value();
  REQUIRE(tail.events.size() == 2);
  CHECK(tail.events[0].seq == 5);
  CHECK(tail.next_after == 6);
  const auto end = s.orders.events_since("acct", 6).value();
  CHECK(end.events.empty());
  CHECK(end.next_after == 6);
  CHECK(s.orders.events_since("acct", -1).code() == Errc::InvalidArgument);
  CHECK(s.orders.events_since("acct", 0, 0).code() == Errc::InvalidArgument);
  CHECK(s.orders.events_since("acct", 0, 1001).code() == Errc::InvalidArgument);
  CHECK(s.orders.events_since("", 0).code() == Errc::InvalidArgument);
}

// PostgreSQL's writer sends a batch's events as array literals: an account
// name that looks like array syntax must come back as it went in.
TEST_CASE("account names with quotes, backslashes, braces, commas and NULL are journaled as given",
          "[orders][stream]") {
  Service s;
  const std::vector<std::string> names{"a\"b", "a\\b", "{x,y}", "NULL",          "a,b",
                                       "it's", " sp ", "\\\"",  "\u00e9t\u00e9", "}{"};
  for (const auto& name : names) (void)s.orders.place(name, limit_buy()).value();
  for (const auto& name : names) {
    INFO(name);
    const auto page = s.orders.events_since(name, 0).value();
    REQUIRE(page.events.size() == 1);
    CHECK(page.events[0].seq == 1);
    CHECK(page.events[0].order.account_id == name);
    CHECK(page.events[0].event.reason == "place");
  }
}

std::vector<std::int64_t> seqs(const EventPage& page) {
  std::vector<std::int64_t> out;
  for (const auto& e : page.events) out.push_back(e.seq);
  return out;
}

TEST_CASE(
    "pruning keeps each account's newest events, never reuses a number, and a cursor behind "
    "them is Gone with the oldest kept",
    "[orders][stream]") {
  Service s;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(s.orders.place("acct", limit_buy()).value().order.order_id);
  for (int i = 0; i < 2; ++i) (void)s.orders.place("other", limit_buy()).value();

  CHECK(s.orders.prune_events(3).value() == 2);  // acct's 1 and 2; other has only 2
  auto behind = s.orders.events_since("acct", 0);
  REQUIRE(behind.code() == Errc::Gone);
  CHECK(behind.error().message == "events after 0 are no longer kept");
  CHECK(behind.error().oldest_seq == 3);
  CHECK(s.orders.events_since("acct", 1).error().oldest_seq == 3);
  CHECK(seqs(s.orders.events_since("acct", 2).value()) == std::vector<std::int64_t>{3, 4, 5});
  CHECK(seqs(s.orders.events_since("other", 0).value()) == std::vector<std::int64_t>{1, 2});
  CHECK(s.orders.history("acct", ids[0]).value().empty());  // its one event went
  CHECK(s.orders.history("acct", ids[2]).value().size() == 1);

  // Numbering goes on from the counter, not from what is left.
  (void)s.orders.place("acct", limit_buy()).value();
  CHECK(seqs(s.orders.events_since("acct", 5).value()) == std::vector<std::int64_t>{6});

  // At most `limit` an account, each account's oldest first.
  CHECK(s.orders.prune_events(1, 1).value() == 2);  // acct's 3, other's 1
  CHECK(s.orders.events_since("acct", 2).error().oldest_seq == 4);
  CHECK(seqs(s.orders.events_since("other", 1).value()) == std::vector<std::int64_t>{2});
  CHECK(s.orders.prune_events(1, 2).value() == 2);  // acct's 4 and 5
  CHECK(s.orders.prune_events(1, 2).value() == 0);  // each keeps its newest
  CHECK(s.orders.events_since("acct", 4).error().oldest_seq == 6);
  CHECK(seqs(s.orders.events_since("acct", 5).value()) == std::vector<std::int64_t>{6});
  CHECK(s.orders.events_since("acct", 6).value().events.empty());  // at the end: nothing skipped
  CHECK(s.orders.events_since("other", 0).error().oldest_seq == 2);

  CHECK(s.orders.prune_events(0).code() == Errc::InvalidArgument);
  CHECK(s.orders.prune_events(1, 0).code() == Errc::InvalidArgument);
}

TEST_CASE("pruning named accounts leaves every other account's events, for any number of names",
          "[orders][stream]") {
  Service s;
  // More accounts than one statement names (64): the list goes in several.
  std::vector<std::string> named;
  for (int i = 0; i < 70; ++i) named.push_back("acct-" + std::to_string(i));
  for (const auto& account : named) {
    for (int k = 0; k < 2; ++k) (void)s.orders.place(account, limit_buy()).value();
  }
  for (int k = 0; k < 2; ++k) (void)s.orders.place("other", limit_buy()).value();

  std::vector<std::string> all = named;
  all.push_back("other");
  std::sort(all.begin(), all.end());
  CHECK(s.orders.stream_accounts().value() == all);

  CHECK(s.orders.prune_events(std::span<const std::string>(), 1).value() == 0);
  CHECK(s.orders.events_since("acct-0", 0).ok());  // nothing went
  CHECK(s.orders.prune_events(named, 1).value() == 70);
  for (const auto& account : named) {
    const auto behind = s.orders.events_since(account, 0);
    REQUIRE(behind.code() == Errc::Gone);
    CHECK(behind.error().oldest_seq == 2);
  }
  CHECK(seqs(s.orders.events_since("other", 0).value()) == std::vector<std::int64_t>{1, 2});
  CHECK(s.orders.prune_events(named, 0).code() == Errc::InvalidArgument);
  CHECK(s.orders.prune_events(std::span<const std::string>(), 1, 0).code() ==
        Errc::InvalidArgument);
}

TEST_CASE("concurrent writers number an account's stream in commit order, readers never see a gap",
          "[orders][stream][race]") {
  Service s;
  constexpr int kWriters = 6, kPerWriter = 40;
  std::atomic<int> writers_done{0}, gaps{0}, reads{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto placed = s.orders.place("acct", limit_buy());
        if (placed.ok() && i % 2 == 0) (void)s.orders.cancel("acct", placed->order.order_id);
      }
      ++writers_done;
    });
  }
  for (int r = 0; r < 2; ++r) {  // readers that follow the stream as it grows
    threads.emplace_back([&] {
      std::int64_t last = 0;
      while (true) {
        const bool final_pass = writers_done.load() == kWriters;
        auto page = s.orders.events_since("acct", last, 50);
        ++reads;
        if (!page.ok()) {
          ++gaps;
          return;
        }
        for (const auto& e : page->events) {
          if (e.seq != last + 1) ++gaps;
          last = e.seq;
        }
        if (final_pass && page->events.empty()) return;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(gaps == 0);
  const auto events = all_events(s.orders, "acct");
  constexpr int kEvents = kWriters * kPerWriter * 3 / 2;
  REQUIRE(events.size() == kEvents);
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].seq == std::int64_t(i) + 1);
}

TEST_CASE("the event bus wakes a waiting reader when its account commits, and only then",
          "[orders][stream]") {
  Service s;
  EventBus& bus = s.orders.events();
  const auto seen = bus.generation("acct");
  const auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  CHECK(bus.wait("acct", seen, soon) == seen);  // nothing committed: the deadline
  std::atomic<std::uint64_t> woke{0};
  std::thread reader([&] {
    woke = bus.wait("acct", seen, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  });
  (void)s.orders.place("other", limit_buy()).value();  // another account's commit
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(woke == 0);
  std::vector<std::string> heard;
  const int handle = bus.listen([&](std::string_view a) { heard.emplace_back(a); });
  (void)s.orders.place("acct", limit_buy()).value();
  reader.join();
  CHECK(woke == seen + 1);
  CHECK(heard == std::vector<std::string>{"acct"});
  bus.unlisten(handle);
  (void)s.orders.place("acct", limit_buy()).value();
  CHECK(heard.size() == 1);
  CHECK(bus.generation("acct") == seen + 2);
}
