// How clients reach orderstate-server: plain HTTP (a DeadlineServer, which
// bounds slow requests) or HTTPS (a DeadlineTlsServer, with --tls-cert and
// --tls-key), and the start-up warning for API keys sent in clear over a
// network. Pure functions apart from make_server reading the PEM files.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <string_view>

#include "flags.hpp"

namespace orderstate::server {

// The server the flags ask for; null with `error` set when the certificate or
// key cannot be loaded.
std::unique_ptr<httplib::Server> make_server(const Flags& flags, std::string& error);

// Binds `server` (from make_server) to the flags' host and port, with a
// listen backlog of SOMAXCONN; the port (chosen by the OS for port 0), or -1.
int bind_server(httplib::Server& server, const Flags& flags);

// "https" with TLS, else "http".
const char* scheme(const Flags& flags);

// True for "localhost", 127.0.0.0/8 and ::1 (with or without brackets).
bool is_loopback(std::string_view host);

// The line to print at start when keys would cross a network in clear (plain
// HTTP on a non-loopback host, not acknowledged by --allow-insecure-http); else "".
std::string insecure_http_warning(const Flags& flags);

}  // namespace orderstate::server
