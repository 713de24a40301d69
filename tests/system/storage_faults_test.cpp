// Storage faults under the real binary: a read-only database, a full disk
// (a small tmpfs; a file size limit), a database locked by another process.
// A write that cannot be stored answers 503 {"status":"error","error":
// "storage unavailable"}, leaves the order and its position as they were, and
// the same request succeeds once the fault is gone, without a restart.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "../skip.hpp"
#include "api.hpp"

using namespace orderstate::system_test;

namespace {

std::string place_one(Api& api) {
  const Reply r = api.place();
  REQUIRE(r.status == 201);
  return first_member(r.body, "order_id");
}

// The order (and its position) as placed, nothing journaled since.
void check_still_open(Api& api, const std::string& id) {
  const OrderState s = state_of(api, id);
  CHECK(s.order == "OPEN");
  CHECK(s.position == "OPEN");
  CHECK(s.cancel_events == 0);
}

void check_canceled_once(Api& api, const std::string& id) {
  const OrderState s = state_of(api, id);
  CHECK(s.order == "CANCELED");
  CHECK(s.position == "CLOSED");
  CHECK(s.cancel_events == 1);
}

// Writes to a cancel and a place answer 503 storage unavailable; `id` is unchanged.
void check_writes_refused(Api& api, const std::string& id) {
  const Reply cancel = api.cancel(id);
  CHECK(cancel.status == 503);
  CHECK(cancel.body == kUnavailable);
  const Reply place = api.place();
  CHECK(place.status == 503);
  CHECK(place.body == kUnavailable);
  check_still_open(api, id);
}

// The fault is gone: the same cancel succeeds, once, and places work again.
void check_recovered(Api& api, const std::string& id) {
  const Reply cancel = api.cancel(id);
  CHECK(cancel.status == 200);
  check_canceled_once(api, id);
  const Reply place = api.place();
  CHECK(place.status == 201);
  CHECK(seq_of(first_member(place.body, "order_id")) > seq_of(id));
}

void set_file_size_limit(pid_t pid, rlim_t bytes) {
  const rlimit limit{bytes, RLIM_INFINITY};
  REQUIRE(prlimit(pid, RLIMIT_FSIZE, &limit, nullptr) == 0);
}

// A tmpfs of `size` mounted on `dir` until destroyed; ok() false when the
// mount was refused (no CAP_SYS_ADMIN), with the reason in error().
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir_);
    mounted_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~TmpfsMount() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool ok() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string error_;
};

// Fills the filesystem of `path` until a write fails; true when it failed with ENOSPC.
bool fill_disk(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  std::setvbuf(f, nullptr, _IONBF, 0);
  const std::string block(4096, 'x');
  while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
  }
  while (std::fwrite(block.data(), 1, 1, f) == 1) {
  }
  const bool full = errno == ENOSPC;
  std::fclose(f);
  return full;
}

}  // namespace

TEST_CASE("a server refuses to start on a read-only database, exit code 1, the file unharmed",
          "[system]") {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  fs::create_directories(data);
  ServerOptions options{data / "orders.db", dir.path() / "stderr.log", {}};
  std::string id;
  {
    ServerProcess server(options);
    REQUIRE(server.port() > 0);
    Api api(server.port());
    id = place_one(api);
    REQUIRE(server.stop() == 0);
  }
  const bool writable_dir = GENERATE(false, true);
  INFO((writable_dir ? "read-only file in a writable directory" : "read-only file and directory"));
  fs::permissions(options.db,
                  fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(data, writable_dir ? fs::perms::all
                                     : fs::perms::owner_read | fs::perms::owner_exec |
                                           fs::perms::others_read | fs::perms::others_exec);
  {
    options.unprivileged = true;  // as root, run as nobody: root ignores file permissions
    stage_for_nobody(options, dir.path());
    ServerProcess refused(options);
    const int exit_code = refused.wait_exit(std::chrono::seconds(10));
    if (exit_code == kNobodyCannotDrop || exit_code == kNobodyCannotExec) {
      ORDERSTATE_SKIP("cannot run the server as nobody ("
                      << (exit_code == kNobodyCannotDrop
                              ? "setuid to 65534 refused"
                              : "the build tree is not reachable by nobody")
                      << "), and root would ignore the file permissions this case relies on");
    }
    const std::string log = read_text(options.log);
    INFO("server stderr: " << log);
    CHECK(refused.port() == -1);
    CHECK(exit_code == 1);
    CHECK(refused.output().find("listening on") == std::string::npos);
    CHECK(log.find("cannot open " + options.db.string() + ": ") != std::string::npos);
  }
  fs::permissions(data, fs::perms::owner_all, fs::perm_options::add);
  fs::permissions(options.db, fs::perms::owner_write, fs::perm_options::add);
  ServerProcess again({options.db, options.log, {}});
  REQUIRE(again.port() > 0);
  Api api(again.port());
  check_still_open(api, id);
  CHECK(again.stop() == 0);
}

TEST_CASE(
    "a full disk answers 503 storage unavailable, changes nothing, and serves again once "
    "space is back",
    "[system]") {
  TempDir dir;
  TmpfsMount small(dir.path() / "small", "2m");
  if (!small.ok()) {
    ORDERSTATE_SKIP("cannot mount a 2 MiB tmpfs ("
                    << small.error()
                    << "); the file size limit case below covers failing writes without root");
  }
  ServerProcess server({dir.path() / "small" / "orders.db", dir.path() / "stderr.log", {}});
  REQUIRE(server.port() > 0);
  Api api(server.port());
  const std::string id = place_one(api);

  const fs::path filler = dir.path() / "small" / "filler";
  REQUIRE(fill_disk(filler));
  check_writes_refused(api, id);

  fs::remove(filler);
  check_recovered(api, id);
  CHECK(server.stop() == 0);
  CHECK(read_text(dir.path() / "stderr.log").find("storage error: ") != std::string::npos);
}

TEST_CASE(
    "writes past the file size limit (EFBIG) answer 503, change nothing, and succeed once "
    "the limit is lifted",
    "[system]") {
  TempDir dir;
  ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log", {}};
  options.ignore_sigxfsz = true;
  ServerProcess server(options);
  REQUIRE(server.port() > 0);
  Api api(server.port());
  const std::string id = place_one(api);

  set_file_size_limit(server.pid(), 1);  // no write may end past byte 1 of any file
  check_writes_refused(api, id);

  set_file_size_limit(server.pid(), RLIM_INFINITY);
  check_recovered(api, id);
  CHECK(server.stop() == 0);
}

TEST_CASE(
    "a database locked by another process past the busy timeout answers 503, changes "
    "nothing, and the same cancel succeeds once the lock is released",
    "[system]") {
  TempDir dir;
  const ServerOptions options{dir.path() / "orders.db", dir.path() / "stderr.log", {}};
  ServerProcess server(options);
  REQUIRE(server.port() > 0);
  Api api(server.port());
  const std::string id = place_one(api);

  SQLite::Database other(options.db.string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");  // this process now holds the write lock
  const auto started = std::chrono::steady_clock::now();
  const Reply locked = api.cancel(id);
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(locked.status == 503);
  CHECK(locked.body == kUnavailable);
  // It waited for the lock (the server's busy timeout is 5 s), then gave up.
  CHECK(waited >= std::chrono::milliseconds(4500));
  CHECK(waited < std::chrono::seconds(10));
  // Readers are not blocked by a writer (WAL): the order reads as it was.
  const auto read_started = std::chrono::steady_clock::now();
  check_still_open(api, id);
  CHECK(std::chrono::steady_clock::now() - read_started < std::chrono::seconds(2));

  other.exec("ROLLBACK");
  check_recovered(api, id);
  CHECK(server.stop() == 0);
}
