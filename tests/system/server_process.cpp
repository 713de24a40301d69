#include "server_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace orderstate::system_test {
namespace {

constexpr uid_t kNobody = 65534;
constexpr const char* kMarker = "listening on http://127.0.0.1:";

std::vector<std::string> command_line(const ServerOptions& o) {
  const std::string binary = o.binary.empty() ? ORDERSTATE_SERVER_PATH : o.binary.string();
  std::vector<std::string> args = {binary,           "--port",      "0",
                                   "--db",           o.db.string(), "--api-key",
                                   "acct-a:" + kKey, "--api-key",   "acct-b:" + kOtherKey};
  args.insert(args.end(), o.flags.begin(), o.flags.end());
  return args;
}

// This environment, with the system tests' suppressions set in
// TSAN_OPTIONS (used only when the server is built with -fsanitize=thread).
// They go last, so they win over a suppressions= the caller's options hold.
std::vector<std::string> child_environment(const ServerOptions& o) {
  std::vector<std::string> env;
  std::string tsan = "TSAN_OPTIONS=";
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.starts_with("TSAN_OPTIONS=")) {
      tsan += entry.substr(std::string("TSAN_OPTIONS=").size()) + ":";
    } else {
      env.push_back(entry);
    }
  }
  tsan += "suppressions=" + (o.tsan_suppressions.empty() ? ORDERSTATE_TSAN_SUPPRESSIONS
                                                         : o.tsan_suppressions.string());
  env.push_back(tsan);
  return env;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, int out, int err, bool drop,
                             bool no_sigxfsz) {
  if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0) _exit(125);
  if (no_sigxfsz) {  // an ignored signal stays ignored across exec
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, nullptr);
  }
  if (drop && (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0)) {
    _exit(kNobodyCannotDrop);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(argv[0], argv, envp);
  // As nobody, a build tree under a private directory (mktemp -d is 0700)
  // cannot be reached: tell that apart from a broken binary.
  _exit(drop && errno == EACCES ? kNobodyCannotExec : 127);
}

}  // namespace

ServerProcess::ServerProcess(const ServerOptions& options) {
  std::vector<std::string> args = command_line(options);
  std::vector<std::string> env = child_environment(options);
  const std::vector<char*> argv = pointers_to(args);
  const std::vector<char*> envp = pointers_to(env);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const int err = open(options.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (err < 0) throw std::runtime_error("cannot open " + options.log.string());
  const bool drop = options.unprivileged && geteuid() == 0;
  pid_ = fork();
  if (pid_ == 0)
    exec_child(argv.data(), envp.data(), pipe_fds[1], err, drop, options.ignore_sigxfsz);
  close(pipe_fds[1]);
  close(err);
  if (pid_ < 0) {
    close(pipe_fds[0]);
    throw std::runtime_error("fork failed");
  }
  out_fd_ = pipe_fds[0];
  read_port();
}

ServerProcess::~ServerProcess() {
  if (!reaped_) {
    kill9();
    wait_exit(std::chrono::seconds(30));
  }
  if (out_fd_ >= 0) close(out_fd_);
}

void ServerProcess::read_port() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
    char buf[512];
    const ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return;  // EOF: the child ended (or closed stdout)
    output_.append(buf, static_cast<size_t>(n));
    const auto at = output_.find(kMarker);
    if (at != std::string::npos && output_.find('\n', at) != std::string::npos) {
      port_ = std::atoi(output_.c_str() + at + std::string(kMarker).size());
      return;
    }
  }
}

int ServerProcess::stop() {
  if (!reaped_) kill(pid_, SIGTERM);
  return wait_exit(std::chrono::seconds(30));
}

void ServerProcess::kill9() {
  if (!killed_.exchange(true) && !reaped_) kill(pid_, SIGKILL);
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    const pid_t r = waitpid(pid_, &status_, WNOHANG);
    if (r == pid_ || r < 0) {
      reaped_ = true;
      if (r < 0) status_ = -1;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_ != -1 && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

void stage_for_nobody(ServerOptions& o, const fs::path& dir) {
  o.binary = dir / "orderstate-server";
  o.tsan_suppressions = dir / "tsan.supp";
  fs::copy_file(ORDERSTATE_SERVER_PATH, o.binary, fs::copy_options::overwrite_existing);
  fs::copy_file(ORDERSTATE_TSAN_SUPPRESSIONS, o.tsan_suppressions,
                fs::copy_options::overwrite_existing);
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "orderstate-system-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  // Readable by the unprivileged server some tests run.
  fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  for (auto it = fs::recursive_directory_iterator(path_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path_, ec);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace orderstate::system_test
