// orderstate-server's command line: the flags, their defaults, and the
// ORDERSTATE_API_KEYS environment variable. Parsing is pure; the caller prints
// and exits.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orderstate/http/auth.hpp"
#include "orderstate/sqlite_repository.hpp"

namespace orderstate::server {

enum class LogFormat { Text, Json };

struct Flags {
  std::string db = "./orderstate.db";
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: any free port
  int threads = 32;             // workers running requests
  int stream_threads = 0;       // workers running stream reads at nice 19; 0: by backend
  int max_connections = 10000;  // open connections; past it a 503 and a close
  int keep_events = 0;          // journal events kept per account; 0: all
  Durability durability = Durability::Full;
  std::vector<http::ApiKey> keys;
  LogFormat log_format = LogFormat::Text;
  // HTTPS when both are set (PEM files); plain HTTP when neither.
  std::string tls_cert;
  std::string tls_key;
  // Plain HTTP off loopback is deliberate (e.g. TLS ends at a proxy): no warning.
  bool allow_insecure_http = false;
  bool help = false;
  bool version = false;
};

// The flags in argv, then the keys in `env_keys` ("acct:key,acct2:key2").
// nullopt with `error` set when something is malformed.
std::optional<Flags> parse_flags(int argc, char** argv, const char* env_keys, std::string& error);

// The usage text, one flag per line.
std::string usage();

}  // namespace orderstate::server
