#include "server_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

namespace orderstate::test {

ServerChild spawn_server(const std::vector<std::string>& flags, const fs::path& stderr_path) {
  std::vector<std::string> args = {ORDERSTATE_SERVER_PATH};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  REQUIRE(err >= 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    close(pipe_fds[0]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  close(err);
  return {pid, pipe_fds[0], -1};
}

int read_port(int fd, const std::string& scheme, const std::string& host) {
  std::string seen;
  const std::string marker = "listening on " + scheme + "://" + host + ":";
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) return -1;
    char buf[256];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return -1;
    seen.append(buf, static_cast<size_t>(n));
    const auto at = seen.find(marker);
    const auto end = at == std::string::npos ? at : seen.find('\n', at);
    if (end != std::string::npos) return std::stoi(seen.substr(at + marker.size()));
  }
}

int stop_server(ServerChild& s) {
  kill(s.pid, SIGTERM);
  int status = 0;
  waitpid(s.pid, &status, 0);
  close(s.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int exit_code_of(const std::vector<std::string>& flags, const fs::path& stderr_path) {
  ServerChild s = spawn_server(flags, stderr_path);
  int status = 0;
  waitpid(s.pid, &status, 0);
  close(s.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir(const std::string& tag) {
  static std::atomic<int> made{0};
  path = fs::temp_directory_path() /
         ("orderstate-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(made++));
  fs::create_directories(path);
}

TempDir::~TempDir() {
  fs::remove_all(path);
}

}  // namespace orderstate::test
