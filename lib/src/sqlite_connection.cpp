#include "sqlite_connection.hpp"

#include <sqlite3.h>

#include <utility>

namespace orderstate::sqlite {
namespace {

std::string column_text(const Query& row, int i) {
  return row.column_text(i);
}

Decimal column_decimal(const Query& row, int i) {
  const auto value = Decimal::parse_stored(row.column_view(i));
  if (!value) throw SQLite::Exception("malformed decimal in column", SQLITE_CORRUPT);
  return *value;
}

template <typename E>
E column_enum(const Query& row, int i, std::optional<E> (*parse)(std::string_view)) {
  const auto value = parse(row.column_view(i));
  // The schema's CHECK constraints make this unreachable short of corruption.
  if (!value) throw SQLite::Exception("unexpected enum value in column", SQLITE_CORRUPT);
  return *value;
}

}  // namespace

const char* const kOrderColumns =
    "order_id, position_id, account_id, client_order_id, exchange, symbol, side, type, amount, "
    "price, status, created_at, updated_at, time_in_force, expire_at, filled_amount, "
    "filled_notional, average_fill_price, pending_since, replaces, replaced_by";
const char* const kPositionColumns =
    "position_id, order_id, account_id, exchange, symbol, side, size, entry_price, status, "
    "opened_at, updated_at";
const char* const kEventColumns = "order_id, from_status, to_status, at, reason";
const char* const kExecutionColumns =
    "account_id, exec_id, order_id, kind, last_amount, last_price, at";

Error to_error(const SQLite::Exception& e) {
  std::string message = std::string("sqlite: ") + e.what();
  switch (e.getErrorCode() & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return unavailable(std::move(message));
    default:
      return storage_error(std::move(message));
  }
}

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
  const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr);
  if (rc != SQLITE_OK) throw SQLite::Exception(db, rc);
}

Statement::~Statement() {
  sqlite3_finalize(s_);
}

Query::Query(Statement& s) : s_(s) {
  sqlite3_clear_bindings(s_.get());
}
Query::~Query() {
  sqlite3_reset(s_.get());
}

Query& Query::text(int index, std::string_view value) {
  const int rc = sqlite3_bind_text(s_.get(), index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_STATIC);
  if (rc != SQLITE_OK) throw SQLite::Exception(s_.db(), rc);
  return *this;
}

Query& Query::opt_text(int index, const std::optional<std::string>& value) {
  return value ? text(index, *value) : *this;  // unbound is NULL
}

Query& Query::integer(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(s_.get(), index, value);
  if (rc != SQLITE_OK) throw SQLite::Exception(s_.db(), rc);
  return *this;
}

bool Query::step() {
  const int rc = sqlite3_step(s_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw SQLite::Exception(s_.db(), rc);
}

int Query::exec() {
  while (step()) {
  }
  return sqlite3_changes(s_.db());
}

bool Query::is_null(int column) const {
  return sqlite3_column_type(s_.get(), column) == SQLITE_NULL;
}

std::string_view Query::column_view(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s_.get(), column));
  return {text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(s_.get(), column))};
}

std::string Query::column_text(int column) const {
  return std::string(column_view(column));
}

std::int64_t Query::column_int64(int column) const {
  return sqlite3_column_int64(s_.get(), column);
}

Connection::Connection(const std::string& path, int flags, int busy_timeout_ms)
    : db_(path, flags, busy_timeout_ms) {}

Query Connection::query(const char* sql) {
  auto& slot = by_address_[sql];
  if (!slot) slot = std::make_unique<Statement>(db_.getHandle(), sql);
  return Query(*slot);
}

Query Connection::query(const std::string& sql) {
  auto& slot = by_text_[sql];
  if (!slot) slot = std::make_unique<Statement>(db_.getHandle(), sql.c_str());
  return Query(*slot);
}

OrderRecord read_order(const Query& row) {
  OrderRecord o;
  o.order_id = column_text(row, 0);
  o.position_id = column_text(row, 1);
  o.account_id = column_text(row, 2);
  if (!row.is_null(3)) o.client_order_id = column_text(row, 3);
  o.exchange = column_text(row, 4);
  o.symbol = column_text(row, 5);
  o.side = column_enum(row, 6, &parse_side);
  o.type = column_enum(row, 7, &parse_order_type);
  o.amount = column_decimal(row, 8);
  o.price = column_decimal(row, 9);
  o.status = column_enum(row, 10, &parse_order_status);
  o.created_at = column_text(row, 11);
  o.updated_at = column_text(row, 12);
  o.time_in_force = column_enum(row, 13, &parse_time_in_force);
  if (!row.is_null(14)) o.expire_at = column_text(row, 14);
  o.filled_amount = column_decimal(row, 15);
  o.filled_notional = column_decimal(row, 16);
  if (!row.is_null(17)) o.average_fill_price = column_decimal(row, 17);
  if (!row.is_null(18)) o.pending_since = column_text(row, 18);
  if (!row.is_null(19)) o.replaces = column_text(row, 19);
  if (!row.is_null(20)) o.replaced_by = column_text(row, 20);
  return o;
}

PositionRecord read_position(const Query& row) {
  PositionRecord p;
  p.position_id = column_text(row, 0);
  p.order_id = column_text(row, 1);
  p.account_id = column_text(row, 2);
  p.exchange = column_text(row, 3);
  p.symbol = column_text(row, 4);
  p.side = column_enum(row, 5, &parse_side);
  p.size = column_decimal(row, 6);
  p.entry_price = column_decimal(row, 7);
  p.status = column_enum(row, 8, &parse_position_status);
  p.opened_at = column_text(row, 9);
  p.updated_at = column_text(row, 10);
  return p;
}

ExecutionRecord read_execution(const Query& row) {
  ExecutionRecord e;
  e.account_id = column_text(row, 0);
  e.exec_id = column_text(row, 1);
  e.order_id = column_text(row, 2);
  e.kind = column_enum(row, 3, &parse_exec_kind);
  e.last_amount = column_decimal(row, 4);
  e.last_price = column_decimal(row, 5);
  e.at = column_text(row, 6);
  return e;
}

OrderEvent read_event(const Query& row, int first_column) {
  const int i = first_column;
  OrderEvent e;
  e.order_id = column_text(row, i);
  if (!row.is_null(i + 1)) e.from = column_enum(row, i + 1, &parse_order_status);
  e.to = column_enum(row, i + 2, &parse_order_status);
  e.at = column_text(row, i + 3);
  e.reason = column_text(row, i + 4);
  return e;
}

}  // namespace orderstate::sqlite
