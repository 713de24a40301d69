#include "sqlite_connection.hpp"

#include <sqlite3.h>

#include <utility>

namespace orderstate::sqlite {
namespace {

std::string column_text(SQLite::Statement& row, int i) { return row.getColumn(i).getString(); }

template <typename E>
E column_enum(SQLite::Statement& row, int i, std::optional<E> (*parse)(std::string_view)) {
  const auto value = parse(row.getColumn(i).getText());
  // The schema's CHECK constraints make this unreachable short of corruption.
  if (!value) throw SQLite::Exception("unexpected enum value in column", SQLITE_CORRUPT);
  return *value;
}

}  // namespace

const char* const kOrderColumns =
    "order_id, position_id, account_id, client_order_id, exchange, symbol, side, type, amount, "
    "price, status, created_at, updated_at";
const char* const kPositionColumns =
    "position_id, order_id, account_id, exchange, symbol, side, size, entry_price, status, "
    "opened_at, updated_at";
const char* const kEventColumns = "order_id, from_status, to_status, at, reason";

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

Query& Query::text(int index, std::string_view value) {
  // SQLiteCpp 3.2 binds only NUL-terminated or std::string text: copy.
  s_.bind(index, std::string(value));
  return *this;
}

Query& Query::opt_text(int index, const std::optional<std::string>& value) {
  if (value) return text(index, *value);
  s_.bind(index);  // NULL
  return *this;
}

Query& Query::integer(int index, std::int64_t value) {
  s_.bind(index, static_cast<int64_t>(value));
  return *this;
}

Connection::Connection(const std::string& path, int flags, int busy_timeout_ms)
    : db_(path, flags, busy_timeout_ms) {}

Query Connection::query(const std::string& sql) {
  auto& slot = cache_[sql];
  if (!slot) {
    slot = std::make_unique<SQLite::Statement>(db_, sql);
  } else {
    slot->clearBindings();
  }
  return Query(*slot);
}

OrderRecord read_order(SQLite::Statement& row) {
  OrderRecord o;
  o.order_id = column_text(row, 0);
  o.position_id = column_text(row, 1);
  o.account_id = column_text(row, 2);
  if (!row.getColumn(3).isNull()) o.client_order_id = column_text(row, 3);
  o.exchange = column_text(row, 4);
  o.symbol = column_text(row, 5);
  o.side = column_enum(row, 6, &parse_side);
  o.type = column_enum(row, 7, &parse_order_type);
  o.amount = column_text(row, 8);
  o.price = column_text(row, 9);
  o.status = column_enum(row, 10, &parse_order_status);
  o.created_at = column_text(row, 11);
  o.updated_at = column_text(row, 12);
  return o;
}

PositionRecord read_position(SQLite::Statement& row) {
  PositionRecord p;
  p.position_id = column_text(row, 0);
  p.order_id = column_text(row, 1);
  p.account_id = column_text(row, 2);
  p.exchange = column_text(row, 3);
  p.symbol = column_text(row, 4);
  p.side = column_enum(row, 5, &parse_side);
  p.size = column_text(row, 6);
  p.entry_price = column_text(row, 7);
  p.status = column_enum(row, 8, &parse_position_status);
  p.opened_at = column_text(row, 9);
  p.updated_at = column_text(row, 10);
  return p;
}

OrderEvent read_event(SQLite::Statement& row) {
  OrderEvent e;
  e.order_id = column_text(row, 0);
  if (!row.getColumn(1).isNull()) e.from = column_enum(row, 1, &parse_order_status);
  e.to = column_enum(row, 2, &parse_order_status);
  e.at = column_text(row, 3);
  e.reason = column_text(row, 4);
  return e;
}

}  // namespace orderstate::sqlite
