#include "transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "deadline_server.hpp"

namespace orderstate::server {

std::unique_ptr<httplib::Server> make_server(const Flags& flags, std::string& error) {
  if (flags.tls_cert.empty()) return std::make_unique<DeadlineServer>();
  auto tls = std::make_unique<DeadlineTlsServer>(flags.tls_cert.c_str(), flags.tls_key.c_str());
  if (!tls->is_valid()) {
    error = "cannot load the TLS certificate " + flags.tls_cert + " and key " + flags.tls_key;
    return nullptr;
  }
  return tls;
}

int bind_server(httplib::Server& server, const Flags& flags) {
  if (auto* plain = dynamic_cast<DeadlineServer*>(&server)) {
    return plain->bind_port(flags.host, flags.port);
  }
  return dynamic_cast<DeadlineTlsServer&>(server).bind_port(flags.host, flags.port);
}

const char* scheme(const Flags& flags) {
  return flags.tls_cert.empty() ? "http" : "https";
}

bool is_loopback(std::string_view host) {
  if (host == "localhost") return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::string insecure_http_warning(const Flags& flags) {
  if (!flags.tls_cert.empty() || flags.allow_insecure_http || is_loopback(flags.host)) return {};
  return "warning: serving plain HTTP on " + flags.host +
         ": API keys and orders cross the network unencrypted. Use --tls-cert/--tls-key, "
         "or --allow-insecure-http when TLS ends at a proxy in front of this server.";
}

}  // namespace orderstate::server
