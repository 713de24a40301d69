// The real orderstate-server binary as a child process, for the tests that
// need its flags, output or transport: spawn it with flags, read the port from
// its "listening on" line, stop it with SIGTERM. Its stdout is a pipe, its
// stderr a file. One object, one thread.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace orderstate::test {

namespace fs = std::filesystem;

struct ServerChild {
  pid_t pid = -1;
  int out = -1;   // the read end of its stdout
  int port = -1;  // from the "listening on" line, once read
};

// Starts ORDERSTATE_SERVER_PATH with `flags`, stderr appended to `stderr_path`.
ServerChild spawn_server(const std::vector<std::string>& flags, const fs::path& stderr_path);

// Reads stdout until "listening on <scheme>://<host>:PORT"; the port, or -1
// after 10 s or EOF.
int read_port(int fd, const std::string& scheme = "http", const std::string& host = "127.0.0.1");

// SIGTERM, then the exit status (-1 unless it exited normally).
int stop_server(ServerChild& s);

// Runs the server with `flags` to its end; its exit status (-1 unless normal).
int exit_code_of(const std::vector<std::string>& flags, const fs::path& stderr_path);

std::string read_file(const fs::path& p);

// A fresh directory under the system temp dir, removed with its contents.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag = "http");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace orderstate::test
