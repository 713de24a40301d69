// Private to the SQLite backend: one connection with its prepared statements
// cached, row readers, and the one place SQLiteCpp exceptions become Errors.
// Thread-compatible: one thread at a time per connection.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "orderstate/order.hpp"
#include "orderstate/result.hpp"

namespace orderstate::sqlite {

// Storage trouble a retry may fix (busy, locked, read-only, full, I/O) is
// Unavailable; the rest is Storage. The SQLite text goes in the message,
// which is for logs only.
Error to_error(const SQLite::Exception& e);

// A cached statement, reset and unbound; reset again when the scope ends so
// no read transaction outlives the call.
class Query {
 public:
  explicit Query(SQLite::Statement& s) : s_(s) {}
  ~Query() { s_.tryReset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& text(int index, std::string_view value);
  Query& opt_text(int index, const std::optional<std::string>& value);
  Query& integer(int index, std::int64_t value);
  bool step() { return s_.executeStep(); }
  int exec() { return s_.exec(); }
  SQLite::Statement& statement() { return s_; }

 private:
  SQLite::Statement& s_;
};

class Connection {
 public:
  Connection(const std::string& path, int flags, int busy_timeout_ms);
  SQLite::Database& db() { return db_; }
  // The statement for `sql`, prepared on first use.
  Query query(const std::string& sql);

 private:
  SQLite::Database db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
};

// Column lists the readers below expect, in order.
extern const char* const kOrderColumns;
extern const char* const kPositionColumns;
extern const char* const kEventColumns;

OrderRecord read_order(SQLite::Statement& row);
PositionRecord read_position(SQLite::Statement& row);
OrderEvent read_event(SQLite::Statement& row);

// Migrates `db` to the latest schema inside one IMMEDIATE transaction.
// Storage if the file's schema is newer than this code.
Result<void> migrate(SQLite::Database& db);
int latest_schema_version();

}  // namespace orderstate::sqlite
