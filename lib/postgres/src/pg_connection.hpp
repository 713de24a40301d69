// Private to the PostgreSQL backend: one libpqxx connection with its prepared
// statements, the connection string we build, row readers, and the one place
// libpqxx exceptions become Errors (Connection::guard).
// Thread-compatible: one thread at a time per connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <pqxx/errorhandler>
#include <pqxx/result>
#include <pqxx/row>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orderstate/order.hpp"
#include "orderstate/postgres_repository.hpp"
#include "orderstate/result.hpp"

namespace orderstate::pg {

// The libpq connection string for `options`: the user's settings plus our
// defaults (connect_timeout, application_name, session settings). It may
// hold a password: it goes to libpq only, never into a message.
Result<std::string> build_conninfo(const PostgresOptions& options);

// Statement parameters, all sent as text (or NULL) and cast in the SQL. A
// placeholder is numbered when its value is added, so SQL built with `+`
// stays right whatever order C++ evaluates the operands in.
class Params {
 public:
  // Adds a value and returns its placeholder with a cast: "$3::bigint".
  std::string arg(std::optional<std::string> value, const char* type) {
    values_.push_back(std::move(value));
    return "$" + std::to_string(values_.size()) + "::" + type;
  }
  std::string text_arg(std::string_view value) { return arg(std::string(value), "text"); }
  std::string int_arg(std::int64_t value) { return arg(std::to_string(value), "bigint"); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

class Connection {
 public:
  // Connects. Unavailable when the server cannot be reached or refuses us.
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo);

  // Runs `fn`, turning any exception into an Error. A failure that leaves the
  // connection unusable (broken socket, server shutting down) marks it lost:
  // every later call fails at once and the owner must drop it. A conflict a
  // re-run may resolve (deadlock, serialization failure) sets conflict().
  template <typename Fn>
  auto guard(Fn&& fn) -> decltype(fn()) {
    if (lost_) return unavailable("postgres: connection lost");
    try {
      return fn();
    } catch (const std::exception& e) {
      return fail(e);
    }
  }

  // Throwing primitives, for use inside guard(). `run` executes `sql` as a
  // statement prepared on this connection on first use.
  pqxx::result run(const std::string& sql, const Params& params = {});
  // A simple query: several statements allowed, no parameters.
  pqxx::result exec(const std::string& sql);
  // `EXECUTE name(...)` of `sql` prepared on this connection (prepared now
  // if it is not yet), with `params` as literals: for a parameterized
  // statement that must ride in a simple query, as the one ahead of a
  // COMMIT does, and still be parsed and planned once per connection.
  std::string execute_sql(const std::string& sql, const Params& params);
  // `value` as an SQL string literal, escaped for this connection.
  std::string quote(std::string_view value) { return conn_.quote(std::string(value)); }

  bool lost() const { return lost_; }
  bool conflict() const { return conflict_; }
  void clear_conflict() { conflict_ = false; }
  void set_conflict() { conflict_ = true; }

 private:
  explicit Connection(const std::string& conninfo);
  Error fail(const std::exception& e);
  void check_open();
  const std::string& statement(const std::string& sql);

  // Server notices go to nowhere (the library has no logger), not stderr.
  class QuietNotices final : public pqxx::errorhandler {
   public:
    using pqxx::errorhandler::errorhandler;
    bool operator()(const char*) noexcept override { return false; }
  };

  pqxx::connection conn_;
  QuietNotices quiet_{conn_};
  std::unordered_map<std::string, std::string> statements_;  // sql -> prepared name
  bool lost_ = false;
  bool conflict_ = false;
};

// Column lists the readers below expect, in order.
extern const char* const kOrderColumns;
extern const char* const kPositionColumns;
extern const char* const kEventColumns;
extern const char* const kExecutionColumns;

// Throw on a value the schema's CHECK constraints make impossible.
OrderRecord read_order(const pqxx::row& row);
PositionRecord read_position(const pqxx::row& row);
OrderEvent read_event(const pqxx::row& row, int first_column = 0);
ExecutionRecord read_execution(const pqxx::row& row);

// Migrates the database to the latest schema, in one transaction under an
// advisory lock. Storage if the database's schema is newer than this code.
Result<void> migrate(Connection& c);
int latest_schema_version();

}  // namespace orderstate::pg
