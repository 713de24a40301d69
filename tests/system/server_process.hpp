// ServerProcess: one real orderstate-server child process, for the system
// tests. It starts the binary built beside the tests (ORDERSTATE_SERVER_PATH)
// on an ephemeral loopback port, reads the port from the "listening on" line,
// and on destruction kills (SIGKILL) and reaps the child if it still runs.
// One object, one thread at a time; kill9() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace orderstate::system_test {

namespace fs = std::filesystem;

// Keys every server started here accepts.
inline const std::string kKey = "sys-key-a";       // account "acct-a"
inline const std::string kOtherKey = "sys-key-b";  // account "acct-b"

// Exit codes of a child that could not run as nobody (see ServerOptions).
constexpr int kNobodyCannotDrop = 126;
constexpr int kNobodyCannotExec = 124;

struct ServerOptions {
  fs::path db;                     // --db
  fs::path log;                    // the child's stderr, appended
  std::vector<std::string> flags;  // more flags, e.g. {"--durability", "normal"}
  // When the tests run as root: run the child as "nobody" (uid/gid 65534),
  // so file permissions apply to it. No effect otherwise. The child exits
  // kNobodyCannotDrop if the switch is refused, kNobodyCannotExec if nobody
  // cannot reach the binary.
  bool unprivileged = false;
  // SIGXFSZ ignored in the child, so a write past RLIMIT_FSIZE fails with
  // EFBIG instead of killing the process.
  bool ignore_sigxfsz = false;
  // Empty: the orderstate-server of this build and the tests' TSan
  // suppressions, where the build left them (see stage_for_nobody).
  fs::path binary = {};
  fs::path tsan_suppressions = {};
};

// Copies the server and the TSan suppressions into `dir` and points `o` at
// the copies, so an unprivileged child can reach them even when the build
// tree is under a private directory (mktemp -d is 0700).
void stage_for_nobody(ServerOptions& o, const fs::path& dir);

class ServerProcess {
 public:
  // Starts the server and waits up to 10 s for its "listening on" line.
  // port() is -1 when that line never came; exit_code() then tells why.
  explicit ServerProcess(const ServerOptions& options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  // All the child wrote to stdout up to its "listening on" line (or exit).
  const std::string& output() const { return output_; }

  // SIGTERM, then waits for the exit. The exit status, or -1 when a signal
  // ended it (or it was already reaped).
  int stop();
  // SIGKILL without waiting: safe from any thread, at most once effective.
  void kill9();
  // Waits up to `timeout` for the child to end. Its exit status; -1 when a
  // signal ended it; -2 when it still runs.
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  void read_port();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::atomic<bool> killed_{false};
  std::string output_;
};

// A fresh private directory under the system temp dir, removed (contents
// and all, permissions restored first) when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The whole text of a file; empty when unreadable.
std::string read_text(const fs::path& path);

}  // namespace orderstate::system_test
