// libFuzzer target: RequestFramer (examples/server/request_framer.hpp). One
// property: a byte stream means one thing however it arrives. The input is
// framed whole, then again in pieces (sizes taken from its first byte); the
// two must give the same requests (method, target, fields, body, keep-alive)
// and end in the same state and refusal. Any difference, or a crash, aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "request_framer.hpp"

namespace {

using orderstate::server::RequestFramer;

// Everything framed from `data`, `piece` bytes at a time (0: all at once), as text.
std::string frame(const std::uint8_t* data, std::size_t size, std::size_t piece) {
  RequestFramer framer;
  std::string out;
  std::string pending;
  std::size_t at = 0;
  while (at < size || !pending.empty()) {
    if (at < size) {
      const std::size_t n = piece == 0 ? size - at : std::min(piece, size - at);
      pending.append(reinterpret_cast<const char*>(data) + at, n);
      at += n;
    }
    const std::size_t used = framer.feed(pending.data(), pending.size());
    pending.erase(0, used);
    if (framer.state() == RequestFramer::State::Complete) {
      const auto r = framer.take();
      out += r.method + " " + r.target + " " + std::to_string(r.minor) +
             (r.keep_alive ? " ka\n" : " close\n");
      for (const auto& [name, value] : r.fields) out += name + ": " + value + "\n";
      out += "body " + std::to_string(r.body.size()) + ":" + r.body + "\n";
      if (!r.keep_alive) break;
      continue;
    }
    if (framer.state() == RequestFramer::State::Refused) {
      out += "refused " + std::to_string(framer.refusal().status) + "\n";
      break;
    }
    if (used == 0 && at >= size) break;  // waiting for bytes that never come
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t piece = 1 + data[0] % 7;
  const std::string whole = frame(data + 1, size - 1, 0);
  const std::string pieces = frame(data + 1, size - 1, piece);
  if (whole != pieces) std::abort();
  return 0;
}
