// Private to the SQLite backend: one connection with its prepared statements
// cached, row readers, and the one place SQLiteCpp exceptions become Errors.
// Thread-compatible: one thread at a time per connection.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

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

// A prepared statement owned for the connection's lifetime. SQLiteCpp 3.2
// binds text only by copying; the write path binds views in place instead,
// so statements are driven through the sqlite3 API here, with errors thrown
// as SQLite::Exception like the rest of the backend.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return s_; }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// One use of a cached statement: bindings cleared at the start, the
// statement reset when the scope ends so no read transaction outlives it.
class Query {
 public:
  explicit Query(Statement& s);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Text is bound in place: the view must outlive the step.
  Query& text(int index, std::string_view value);
  Query& opt_text(int index, const std::optional<std::string>& value);
  Query& integer(int index, std::int64_t value);
  // True with a row to read; false when done.
  bool step();
  // Runs to completion; returns the number of rows changed.
  int exec();

  bool is_null(int column) const;
  std::string column_text(int column) const;
  std::string_view column_view(int column) const;  // valid until the next step
  std::int64_t column_int64(int column) const;

 private:
  Statement& s_;
};

class Connection {
 public:
  Connection(const std::string& path, int flags, int busy_timeout_ms);
  SQLite::Database& db() { return db_; }
  // The statement for `sql`, prepared on first use and cached by address.
  // REQUIRES: `sql` has static storage duration (a literal or a static string).
  Query query(const char* sql);
  // The same, cached by content, for SQL assembled at run time.
  Query query(const std::string& sql);

 private:
  SQLite::Database db_;
  std::unordered_map<const char*, std::unique_ptr<Statement>> by_address_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> by_text_;
};

// Column lists the readers below expect, in order.
extern const char* const kOrderColumns;
extern const char* const kPositionColumns;
extern const char* const kEventColumns;
extern const char* const kExecutionColumns;

OrderRecord read_order(const Query& row);
PositionRecord read_position(const Query& row);
OrderEvent read_event(const Query& row, int first_column = 0);
ExecutionRecord read_execution(const Query& row);

// Migrates `db` to the latest schema inside one IMMEDIATE transaction.
// Storage if the file's schema is newer than this code.
Result<void> migrate(SQLite::Database& db);
int latest_schema_version();

}  // namespace orderstate::sqlite
