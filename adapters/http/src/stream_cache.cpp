#include "stream_cache.hpp"

#include "json.hpp"

namespace orderstate::http {

Result<StreamCache::Page> StreamCache::page(Orders& orders, const std::string& account,
                                            std::int64_t after, int limit) {
  Page page{{}, after};
  {
    std::lock_guard lock(mutex_);
    if (const auto a = accounts_.find(account); a != accounts_.end()) {
      for (auto it = a->second.events.find(after + 1);
           it != a->second.events.end() && it->first == page.next_after + 1 &&
           static_cast<int>(page.events.size()) < limit;
           ++it) {
        page.events.push_back(it->second);
        page.next_after = it->first;
      }
    }
  }
  const int wanted = limit - static_cast<int>(page.events.size());
  if (wanted == 0) return page;
  auto read = orders.events_since(account, page.next_after, wanted);
  if (!read.ok()) return read.error();
  const std::size_t held = page.events.size();
  for (const StreamEvent& e : read->events) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    write_stream_event(w, e);
    page.events.push_back(
        std::make_shared<const std::string>(buffer.GetString(), buffer.GetSize()));
  }
  if (read->events.empty()) return page;
  page.next_after = read->next_after;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < read->events.size(); ++i) {
    keep(account, read->events[i].seq, page.events[held + i]);
  }
  return page;
}

void StreamCache::keep(const std::string& account, std::int64_t seq, const Json& json) {
  auto a = accounts_.find(account);
  if (a == accounts_.end()) a = accounts_.emplace(account, Account{}).first;
  if (!a->second.events.emplace(seq, json).second) return;  // another page read it too
  a->second.bytes += json->size();
  bytes_ += json->size();
  // Over budget: this account's oldest first (a subscriber catching up
  // reads old events once; the followers of the tail share the newest).
  auto& held = a->second.events;
  while (bytes_ > budget_ && held.size() > 1) {
    const std::size_t size = held.begin()->second->size();
    held.erase(held.begin());
    a->second.bytes -= size;
    bytes_ -= size;
  }
  if (bytes_ <= budget_) return;
  for (auto other = accounts_.begin(); other != accounts_.end();) {
    if (other == a) {
      ++other;
      continue;
    }
    bytes_ -= other->second.bytes;
    other = accounts_.erase(other);
  }
}

}  // namespace orderstate::http
