#include "orderstate/result.hpp"

namespace orderstate {

const char* to_string(Errc code) {
  switch (code) {
    case Errc::InvalidArgument:
      return "InvalidArgument";
    case Errc::NotFound:
      return "NotFound";
    case Errc::NotOpen:
      return "NotOpen";
    case Errc::Conflict:
      return "Conflict";
    case Errc::Unavailable:
      return "Unavailable";
    case Errc::Storage:
      return "Storage";
    case Errc::Gone:
      return "Gone";
  }
  return "Unknown";
}

}  // namespace orderstate
