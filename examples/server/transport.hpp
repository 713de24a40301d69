// How clients reach orderstate-server: plain HTTP, or HTTPS with --tls-cert
// and --tls-key (the edge, edge_server.hpp, speaks both); and the start-up
// warning for API keys sent in clear over a network. Pure functions apart
// from make_tls_context reading the PEM files.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "flags.hpp"

namespace orderstate::server {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using TlsContext = std::unique_ptr<SSL_CTX, SslCtxFree>;

// The server-side TLS context for the flags' certificate chain and key (TLS
// 1.2 at least); null with `error` set when they cannot be loaded or do not
// match.
TlsContext make_tls_context(const Flags& flags, std::string& error);

// "https" with TLS, else "http".
const char* scheme(const Flags& flags);

// True for "localhost", 127.0.0.0/8 and ::1 (with or without brackets).
bool is_loopback(std::string_view host);

// The line to print at start when keys would cross a network in clear (plain
// HTTP on a non-loopback host, not acknowledged by --allow-insecure-http); else "".
std::string insecure_http_warning(const Flags& flags);

}  // namespace orderstate::server
