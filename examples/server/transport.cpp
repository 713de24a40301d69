#include "transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace orderstate::server {

TlsContext make_tls_context(const Flags& flags, std::string& error) {
  TlsContext ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx && SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) == 1 &&
      SSL_CTX_use_certificate_chain_file(ctx.get(), flags.tls_cert.c_str()) == 1 &&
      SSL_CTX_use_PrivateKey_file(ctx.get(), flags.tls_key.c_str(), SSL_FILETYPE_PEM) == 1 &&
      SSL_CTX_check_private_key(ctx.get()) == 1) {
    return ctx;
  }
  error = "cannot load the TLS certificate " + flags.tls_cert + " and key " + flags.tls_key;
  return nullptr;
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
