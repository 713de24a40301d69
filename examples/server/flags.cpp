#include "flags.hpp"

#include <charconv>
#include <string_view>

namespace orderstate::server {
namespace {

bool parse_int(std::string_view s, int min, int max, int& out) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return false;
  out = v;
  return true;
}

bool set_text(std::string_view value, std::string& out) {
  if (value.empty()) return false;
  out = value;
  return true;
}

bool set_durability(std::string_view value, Durability& out) {
  if (value != "full" && value != "normal") return false;
  out = value == "full" ? Durability::Full : Durability::Normal;
  return true;
}

bool set_log_format(std::string_view value, LogFormat& out) {
  if (value != "text" && value != "json") return false;
  out = value == "json" ? LogFormat::Json : LogFormat::Text;
  return true;
}

bool add_key(std::string_view spec, std::vector<http::ApiKey>& keys) {
  auto key = http::parse_api_key(spec);
  if (!key) return false;
  keys.push_back(std::move(*key));
  return true;
}

bool add_keys(std::string_view list, std::vector<http::ApiKey>& keys) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view spec = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (!spec.empty() && !add_key(spec, keys)) return false;
  }
  return true;
}

// Applies one "--name value"; false when the value is bad.
bool apply(Flags& f, std::string_view name, std::string_view value) {
  if (name == "--db") return set_text(value, f.db);
  if (name == "--host") return set_text(value, f.host);
  if (name == "--port") return parse_int(value, 0, 65535, f.port);
  if (name == "--threads") return parse_int(value, 1, 4096, f.threads);
  if (name == "--stream-threads") return parse_int(value, 1, 4096, f.stream_threads);
  if (name == "--max-connections") return parse_int(value, 1, 1000000, f.max_connections);
  if (name == "--keep-events") return parse_int(value, 0, 2000000000, f.keep_events);
  if (name == "--api-key") return add_key(value, f.keys);
  if (name == "--durability") return set_durability(value, f.durability);
  if (name == "--log-format") return set_log_format(value, f.log_format);
  if (name == "--tls-cert") return set_text(value, f.tls_cert);
  if (name == "--tls-key") return set_text(value, f.tls_key);
  return false;
}

std::nullopt_t fail(std::string& error, std::string message) {
  error = std::move(message);
  return std::nullopt;
}

bool takes_value(std::string_view name) {
  for (std::string_view n :
       {"--db", "--host", "--port", "--threads", "--stream-threads", "--max-connections",
        "--keep-events", "--api-key", "--durability", "--log-format", "--tls-cert", "--tls-key"}) {
    if (name == n) return true;
  }
  return false;
}

}  // namespace

std::optional<Flags> parse_flags(int argc, char** argv, const char* env_keys, std::string& error) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      f.help = true;
      continue;
    }
    if (arg == "--version") {
      f.version = true;
      continue;
    }
    if (arg == "--allow-insecure-http") {
      f.allow_insecure_http = true;
      continue;
    }
    std::string_view name = arg.substr(0, arg.find('='));
    if (!takes_value(name)) return fail(error, "unknown flag: " + std::string(name));
    std::string_view value;
    if (name.size() < arg.size()) {
      value = arg.substr(name.size() + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail(error, "missing value for " + std::string(name));
    }
    // Never echo the value: it may be a key.
    if (!apply(f, name, value)) return fail(error, "bad value for " + std::string(name));
  }
  if (env_keys != nullptr && !add_keys(env_keys, f.keys)) {
    return fail(error, "bad ORDERSTATE_API_KEYS (want acct:key,acct2:key2)");
  }
  if (f.tls_cert.empty() != f.tls_key.empty()) {
    return fail(error, "--tls-cert and --tls-key go together");
  }
  return f;
}

std::string usage() {
  return "usage: orderstate-server [flags]\n"
         "  --db PATH|URI             SQLite file, or :memory: (default ./orderstate.db);\n"
         "                            or a PostgreSQL database as a libpq URI,\n"
         "                            postgresql://user@host:5432/dbname (postgres://\n"
         "                            too): many servers may share one. A pool of\n"
         "                            --threads + --stream-threads readers and 2\n"
         "                            writers; while the database is\n"
         "                            unreachable requests and /healthz answer 503, and\n"
         "                            the server recovers by itself. At startup an\n"
         "                            unreachable database is retried for 30 s, then exit 1\n"
         "  --host HOST               address to listen on (default 127.0.0.1)\n"
         "  --port N                  port; 0 picks a free one (default 8080)\n"
         "  --api-key ACCOUNT:KEY     accept KEY for ACCOUNT; repeatable. Also\n"
         "                            ORDERSTATE_API_KEYS=acct:key,acct2:key2\n"
         "  --threads N               request threads: a request holds one while it\n"
         "                            runs; waiting connections hold none (default 32)\n"
         "  --stream-threads N        threads for the stream's long polls and SSE\n"
         "                            (/api/v2/events...) at nice 19, so subscribers\n"
         "                            use what the writes leave (default 1; 4 on\n"
         "                            PostgreSQL, whose reads wait on the network)\n"
         "  --max-connections N       open connections at most; one more is answered\n"
         "                            503 and closed (default 10000, lowered to fit\n"
         "                            the descriptor limit)\n"
         "  --keep-events N           keep each account's newest N journal events,\n"
         "                            pruning each second the accounts written; a\n"
         "                            stream cursor before them answers 410 with the\n"
         "                            oldest kept seq, and an order's events lose the\n"
         "                            pruned ones (default 0: keep every event)\n"
         "  --durability full|normal  fsync every commit, or survive process crashes\n"
         "                            only (default full). SQLite only: on PostgreSQL\n"
         "                            every commit is synchronous_commit=on\n"
         "  --log-format text|json    access log on stderr: one line per request, as\n"
         "                            text or a JSON object (default text)\n"
         "  --tls-cert FILE           serve HTTPS with this PEM certificate (chain)...\n"
         "  --tls-key FILE            ...and this PEM private key; both or neither\n"
         "  --allow-insecure-http     no warning for plain HTTP on a non-loopback host\n"
         "                            (say so when TLS ends at a proxy in front)\n"
         "  --help, --version\n"
         "With no key, one is generated for account \"default\" and printed once.\n"
         "GET /healthz, /metrics and /api/v1/openapi.json need no key.\n";
}

}  // namespace orderstate::server
