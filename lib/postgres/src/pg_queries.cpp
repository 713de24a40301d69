#include "pg_queries.hpp"

#include <limits>
#include <map>
#include <stdexcept>

#include "orderstate/ids.hpp"

namespace orderstate::pg {
namespace {

// The sequence inside an ID: the primary key of both the order and its position.
std::optional<std::int64_t> seq_of(IdKind kind, std::string_view id) {
  const auto parts = parse_id(kind, id);
  if (!parts) return std::nullopt;
  return parts->seq;
}

// "a, b" -> "p.a, p.b": a column list for a join.
std::string prefixed(std::string_view columns, std::string_view table) {
  std::string out(table);
  out += '.';
  for (char c : columns) {
    out += c;
    if (c == ' ') (out += table) += '.';
  }
  return out;
}

const std::string kSelectOrder = std::string("SELECT ") + kOrderColumns + " FROM orders ";
const std::string kSelectPosition = std::string("SELECT ") + kPositionColumns + " FROM positions ";

// Case-insensitive (ASCII) symbol match; the same expression as the indexes.
std::string symbol_is(std::string_view column, Params& p, const std::string& symbol) {
  return " AND lower(" + std::string(column) + " COLLATE \"C\") = lower(" + p.text_arg(symbol) +
         " COLLATE \"C\")";
}

const char* for_update(Lock lock) {
  return lock == Lock::ForUpdate ? " FOR UPDATE" : "";
}

template <typename T, typename Read>
std::vector<T> read_all(const pqxx::result& r, Read read) {
  std::vector<T> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(read(row));
  return out;
}

}  // namespace

std::int64_t next_sequence(Connection& c) {
  return c.run("SELECT nextval('order_seq')")[0][0].as<std::int64_t>();
}

bool insert(Connection& c, const OrderRecord& o, const PositionRecord& p) {
  const auto seq = seq_of(IdKind::Order, o.order_id);
  if (!seq) throw std::invalid_argument("malformed order id on insert");
  Params a;
  // One round trip. ON CONFLICT waits for a concurrent insert of the same
  // client_order_id; when that commits, nothing is written here.
  std::string sql =
      "WITH o AS (INSERT INTO orders (seq, order_id, position_id, account_id, client_order_id, "
      "exchange, symbol, side, type, amount, price, status, created_at, updated_at, "
      "time_in_force, expire_at, filled_amount, filled_notional, average_fill_price, "
      "pending_since, replaces, replaced_by) VALUES (";
  sql += a.int_arg(*seq) + ", " + a.text_arg(o.order_id) + ", " + a.text_arg(o.position_id);
  sql += ", " + a.text_arg(o.account_id) + ", " + a.arg(o.client_order_id, "text") + ", ";
  sql += a.text_arg(o.exchange) + ", " + a.text_arg(o.symbol) + ", ";
  sql += a.text_arg(to_string(o.side)) + ", " + a.text_arg(to_string(o.type)) + ", ";
  sql += a.text_arg(o.amount.text()) + ", ";
  sql += a.text_arg(o.price.text()) + ", " + a.text_arg(to_string(o.status)) + ", ";
  sql += a.text_arg(o.created_at) + ", " + a.text_arg(o.updated_at) + ", ";
  sql += a.text_arg(to_string(o.time_in_force)) + ", " + a.arg(o.expire_at, "text") + ", ";
  sql += a.text_arg(o.filled_amount.text()) + ", " + a.text_arg(o.filled_notional.text()) + ", ";
  sql += a.arg(o.average_fill_price ? std::optional<std::string>(o.average_fill_price->text())
                                    : std::nullopt,
               "text") +
         ", " + a.arg(o.pending_since, "text") + ", " + a.arg(o.replaces, "text") + ", " +
         a.arg(o.replaced_by, "text") + ") ";
  sql +=
      "ON CONFLICT (account_id, client_order_id) WHERE client_order_id IS NOT NULL DO NOTHING "
      "RETURNING seq) "
      "INSERT INTO positions (seq, position_id, order_id, account_id, exchange, symbol, side, "
      "size, entry_price, status, opened_at, updated_at) SELECT seq, ";
  sql += a.text_arg(p.position_id) + ", " + a.text_arg(p.order_id) + ", ";
  sql += a.text_arg(p.account_id) + ", " + a.text_arg(p.exchange) + ", " + a.text_arg(p.symbol);
  sql += ", " + a.text_arg(to_string(p.side)) + ", " + a.text_arg(p.size.text()) + ", ";
  sql += a.text_arg(p.entry_price.text()) + ", " + a.text_arg(to_string(p.status)) + ", ";
  sql += a.text_arg(p.opened_at) + ", " + a.text_arg(p.updated_at) + " FROM o";
  return c.run(sql, a).affected_rows() == 1;
}

Result<OrderRecord> find_order(Connection& c, std::string_view account, std::string_view order_id,
                               Lock lock) {
  const auto seq = seq_of(IdKind::Order, order_id);
  if (!seq) return not_found("order not found");
  Params a;
  std::string sql = kSelectOrder + "WHERE seq = " + a.int_arg(*seq) +
                    " AND order_id = " + a.text_arg(order_id) +
                    " AND account_id = " + a.text_arg(account) + for_update(lock);
  const pqxx::result r = c.run(sql, a);
  if (r.empty()) return not_found("order not found");
  return read_order(r[0]);
}

Result<OrderRecord> find_order_by_client_id(Connection& c, std::string_view account,
                                            std::string_view client_order_id) {
  Params a;
  std::string sql = kSelectOrder + "WHERE account_id = " + a.text_arg(account) +
                    " AND client_order_id = " + a.text_arg(client_order_id);
  const pqxx::result r = c.run(sql, a);
  if (r.empty()) return not_found("order not found");
  return read_order(r[0]);
}

Result<PositionRecord> find_position(Connection& c, std::string_view account,
                                     std::string_view position_id, Lock lock) {
  const auto seq = seq_of(IdKind::Position, position_id);
  if (!seq) return not_found("position not found");
  Params a;
  std::string sql;
  if (lock == Lock::ForUpdate) {
    // The order first (lock order), then the position, at its latest version.
    const std::string s = a.int_arg(*seq);
    sql = "WITH o AS (SELECT seq FROM orders WHERE seq = " + s + " FOR UPDATE) SELECT " +
          prefixed(kPositionColumns, "p") + " FROM positions p JOIN o ON o.seq = p.seq" +
          " WHERE p.seq = " + s + " AND p.position_id = " + a.text_arg(position_id) +
          " AND p.account_id = " + a.text_arg(account) + " FOR UPDATE OF p";
  } else {
    sql = kSelectPosition + "WHERE seq = " + a.int_arg(*seq) +
          " AND position_id = " + a.text_arg(position_id) +
          " AND account_id = " + a.text_arg(account);
  }
  const pqxx::result r = c.run(sql, a);
  if (r.empty()) return not_found("position not found");
  return read_position(r[0]);
}

std::vector<PositionRecord> positions_in(Connection& c, std::string_view account,
                                         std::optional<PositionStatus> status,
                                         const std::optional<std::string>& symbol,
                                         std::optional<int> limit, Lock lock) {
  Params a;
  std::string sql = "SELECT " + prefixed(kPositionColumns, "p") + " FROM positions p";
  // Locking: each position's order too, order first, oldest first; rows that
  // changed while we waited are re-checked against the filter.
  if (lock == Lock::ForUpdate) sql += " JOIN orders o ON o.seq = p.seq";
  sql += " WHERE p.account_id = " + a.text_arg(account);
  if (status) sql += " AND p.status = " + a.text_arg(to_string(*status));
  if (symbol) sql += symbol_is("p.symbol", a, *symbol);
  sql += " ORDER BY p.seq";
  if (limit) sql += " LIMIT " + a.int_arg(*limit);
  if (lock == Lock::ForUpdate) sql += " FOR UPDATE OF o, p";
  return read_all<PositionRecord>(c.run(sql, a), read_position);
}

std::vector<OrderRecord> orders_in(Connection& c, std::string_view account,
                                   std::span<const OrderStatus> statuses,
                                   const std::optional<std::string>& symbol, Lock lock) {
  std::string array = "{";
  for (OrderStatus s : statuses) (array += array.size() > 1 ? "," : "") += to_string(s);
  array += "}";
  Params a;
  std::string sql = kSelectOrder + "WHERE account_id = " + a.text_arg(account) +
                    " AND status = ANY(" + a.arg(array, "text[]") + ")";
  if (symbol) sql += symbol_is("symbol", a, *symbol);
  sql += " ORDER BY seq";
  sql += for_update(lock);
  return read_all<OrderRecord>(c.run(sql, a), read_order);
}

std::vector<OrderRecord> list_orders(Connection& c, std::string_view account,
                                     const OrderFilter& f) {
  Params a;
  std::string sql = kSelectOrder + "WHERE account_id = " + a.text_arg(account) + " AND seq < " +
                    a.int_arg(f.before_seq.value_or(std::numeric_limits<std::int64_t>::max()));
  if (!f.statuses.empty()) {
    std::string array = "{";
    for (OrderStatus s : f.statuses) (array += array.size() > 1 ? "," : "") += to_string(s);
    sql += " AND status = ANY(" + a.arg(array + "}", "text[]") + ")";
  }
  if (f.symbol) sql += symbol_is("symbol", a, *f.symbol);
  sql += " ORDER BY seq DESC LIMIT " + a.int_arg(f.limit);
  return read_all<OrderRecord>(c.run(sql, a), read_order);
}

std::int64_t count_orders(Connection& c, std::string_view account, OrderStatus status) {
  Params a;
  const std::string sql = "SELECT count(*) FROM orders WHERE account_id = " + a.text_arg(account) +
                          " AND status = " + a.text_arg(to_string(status));
  return c.run(sql, a)[0][0].as<std::int64_t>();
}

Result<std::vector<OrderEvent>> order_events(Connection& c, std::string_view account,
                                             std::string_view order_id) {
  const auto seq = seq_of(IdKind::Order, order_id);
  if (!seq) return not_found("order not found");
  // One round trip: no row at all means no such order for the account.
  Params a;
  std::string sql = "SELECT " + prefixed(kEventColumns, "e") +
                    " FROM orders o LEFT JOIN order_events e ON e.order_seq = o.seq"
                    " WHERE o.seq = " +
                    a.int_arg(*seq) + " AND o.order_id = " + a.text_arg(order_id) +
                    " AND o.account_id = " + a.text_arg(account) + " ORDER BY e.id";
  const pqxx::result r = c.run(sql, a);
  if (r.empty()) return not_found("order not found");
  std::vector<OrderEvent> events;
  for (const auto& row : r) {
    if (!row[2].is_null()) events.push_back(read_event(row));
  }
  return events;
}

std::optional<OrderRecord> set_order_status(Connection& c, std::string_view account,
                                            std::string_view order_id, OrderStatus from,
                                            OrderStatus to, std::string_view at,
                                            const std::optional<std::string>& pending_since) {
  const auto seq = seq_of(IdKind::Order, order_id);
  if (!seq) return std::nullopt;
  // A concurrent writer's lock makes this wait; the status is then re-checked
  // on the row as that writer left it.
  Params a;
  std::string sql = "UPDATE orders SET status = " + a.text_arg(to_string(to)) +
                    ", updated_at = " + a.text_arg(at) +
                    ", pending_since = " + a.arg(pending_since, "text") +
                    " WHERE seq = " + a.int_arg(*seq) + " AND order_id = " + a.text_arg(order_id) +
                    " AND account_id = " + a.text_arg(account) +
                    " AND status = " + a.text_arg(to_string(from)) + " RETURNING " + kOrderColumns;
  const pqxx::result r = c.run(sql, a);
  if (r.empty()) return std::nullopt;
  return read_order(r[0]);
}

namespace {

// '{A,B}': statuses as one text[] parameter.
std::string status_array(std::span<const OrderStatus> statuses) {
  std::string array = "{";
  for (OrderStatus s : statuses) (array += array.size() > 1 ? "," : "") += to_string(s);
  return array + "}";
}

}  // namespace

std::vector<OrderRecord> orders_due(Connection& c, std::span<const OrderStatus> statuses,
                                    std::string_view at, int limit, Lock lock) {
  Params a;
  std::string sql = kSelectOrder +
                    "WHERE expire_at IS NOT NULL AND expire_at <= " + a.text_arg(at) +
                    " AND status = ANY(" + a.arg(status_array(statuses), "text[]") +
                    ") ORDER BY expire_at, seq LIMIT " + a.int_arg(limit) + for_update(lock);
  return read_all<OrderRecord>(c.run(sql, a), read_order);
}

std::vector<OrderRecord> pending_orders(Connection& c, std::string_view account,
                                        std::span<const OrderStatus> statuses,
                                        std::string_view cutoff, int limit,
                                        const std::optional<InFlightCursor>& after) {
  Params a;
  std::string sql = kSelectOrder + "WHERE account_id = " + a.text_arg(account) +
                    " AND pending_since IS NOT NULL AND pending_since <= " + a.text_arg(cutoff) +
                    " AND status = ANY(" + a.arg(status_array(statuses), "text[]") + ")";
  if (after) {
    const std::string since = a.text_arg(after->pending_since);
    sql += " AND (pending_since > " + since + " OR (pending_since = " + since + " AND seq > " +
           a.int_arg(after->seq) + "))";
  }
  sql += " ORDER BY pending_since, seq LIMIT " + a.int_arg(limit);
  return read_all<OrderRecord>(c.run(sql, a), read_order);
}

bool set_position_status(Connection& c, std::string_view position_id, PositionStatus from,
                         PositionStatus to, std::string_view at) {
  const auto seq = seq_of(IdKind::Position, position_id);
  if (!seq) return false;
  Params a;
  std::string sql = "UPDATE positions SET status = " + a.text_arg(to_string(to)) +
                    ", updated_at = " + a.text_arg(at) + " WHERE seq = " + a.int_arg(*seq) +
                    " AND position_id = " + a.text_arg(position_id) +
                    " AND status = " + a.text_arg(to_string(from));
  return c.run(sql, a).affected_rows() == 1;
}

WriteTx::OrderMove set_order_and_position_status(Connection& c, std::string_view account,
                                                 std::string_view order_id, OrderStatus from,
                                                 OrderStatus to, std::string_view at,
                                                 const std::optional<std::string>& pending_since,
                                                 PositionStatus position_from,
                                                 PositionStatus position_to) {
  const auto seq = seq_of(IdKind::Order, order_id);
  if (!seq) return {};
  // The two compare-and-sets of set_order_status and set_position_status in
  // one statement: the position's update sees the order's through o.
  Params a;
  std::string sql =
      "WITH o AS (UPDATE orders SET status = " + a.text_arg(to_string(to)) +
      ", updated_at = " + a.text_arg(at) + ", pending_since = " + a.arg(pending_since, "text") +
      " WHERE seq = " + a.int_arg(*seq) + " AND order_id = " + a.text_arg(order_id) +
      " AND account_id = " + a.text_arg(account) + " AND status = " + a.text_arg(to_string(from)) +
      " RETURNING " + kOrderColumns +
      ", seq), p AS (UPDATE positions SET status = " + a.text_arg(to_string(position_to)) +
      ", updated_at = " + a.text_arg(at) +
      " FROM o WHERE positions.seq = o.seq AND positions.position_id = o.position_id"
      " AND positions.status = " +
      a.text_arg(to_string(position_from)) + " RETURNING 1) SELECT " +
      prefixed(kOrderColumns, "o") + ", (SELECT count(*) FROM p) FROM o";
  const pqxx::result r = c.run(sql, a);
  if (r.empty()) return {};
  return {read_order(r[0]), r[0][21].as<std::int64_t>() == 1};
}

bool set_replaced_by(Connection& c, std::string_view account, std::string_view order_id,
                     std::string_view replacement_id) {
  const auto seq = seq_of(IdKind::Order, order_id);
  if (!seq) return false;
  Params a;
  const std::string sql = "UPDATE orders SET replaced_by = " + a.text_arg(replacement_id) +
                          " WHERE seq = " + a.int_arg(*seq) +
                          " AND order_id = " + a.text_arg(order_id) +
                          " AND account_id = " + a.text_arg(account);
  return c.run(sql, a).affected_rows() == 1;
}

bool set_order_fill(Connection& c, OrderStatus from, const Decimal& filled_before,
                    const OrderRecord& after) {
  const auto seq = seq_of(IdKind::Order, after.order_id);
  if (!seq || !after.average_fill_price) return false;
  Params a;
  std::string sql = "UPDATE orders SET status = " + a.text_arg(to_string(after.status)) +
                    ", updated_at = " + a.text_arg(after.updated_at) +
                    ", filled_amount = " + a.text_arg(after.filled_amount.text()) +
                    ", filled_notional = " + a.text_arg(after.filled_notional.text()) +
                    ", average_fill_price = " + a.text_arg(after.average_fill_price->text()) +
                    ", pending_since = " + a.arg(after.pending_since, "text");
  sql += " WHERE seq = " + a.int_arg(*seq) + " AND order_id = " + a.text_arg(after.order_id) +
         " AND account_id = " + a.text_arg(after.account_id) +
         " AND status = " + a.text_arg(to_string(from)) +
         " AND filled_amount = " + a.text_arg(filled_before.text());
  return c.run(sql, a).affected_rows() == 1;
}

bool set_position_fill(Connection& c, std::string_view position_id, const Decimal& size,
                       const Decimal& entry_price, std::string_view at, bool reopen) {
  const auto seq = seq_of(IdKind::Position, position_id);
  if (!seq) return false;
  Params a;
  std::string sql =
      "UPDATE positions SET size = " + a.text_arg(size.text()) +
      ", entry_price = " + a.text_arg(entry_price.text()) + ", updated_at = " + a.text_arg(at) +
      (reopen ? ", status = CASE status WHEN 'CLOSED' THEN 'OPEN' ELSE status END" : "") +
      " WHERE seq = " + a.int_arg(*seq) + " AND position_id = " + a.text_arg(position_id);
  return c.run(sql, a).affected_rows() == 1;
}

bool insert_execution(Connection& c, const ExecutionRecord& e) {
  Params a;
  std::string sql =
      "INSERT INTO executions (account_id, exec_id, order_id, kind, last_amount, last_price, at) "
      "VALUES (" +
      a.text_arg(e.account_id) + ", " + a.text_arg(e.exec_id) + ", " + a.text_arg(e.order_id) +
      ", " + a.text_arg(to_string(e.kind)) + ", " + a.text_arg(e.last_amount.text()) + ", " +
      a.text_arg(e.last_price.text()) + ", " + a.text_arg(e.at) +
      ") ON CONFLICT (account_id, exec_id) DO NOTHING";
  return c.run(sql, a).affected_rows() == 1;
}

Result<ExecutionRecord> find_execution(Connection& c, std::string_view account,
                                       std::string_view exec_id) {
  Params a;
  std::string sql = std::string("SELECT ") + kExecutionColumns +
                    " FROM executions WHERE account_id = " + a.text_arg(account) +
                    " AND exec_id = " + a.text_arg(exec_id);
  const pqxx::result r = c.run(sql, a);
  if (r.empty()) return not_found("execution not found");
  return read_execution(r[0]);
}

PendingEvent pending_event(const OrderRecord& after, std::optional<OrderStatus> from,
                           std::string_view reason) {
  const auto seq = seq_of(IdKind::Order, after.order_id);
  if (!seq) throw std::invalid_argument("malformed order id in event");
  return {*seq,
          after.order_id,
          from ? std::optional<std::string>(to_string(*from)) : std::nullopt,
          std::string(to_string(after.status)),
          after.updated_at,
          std::string(reason),
          after.account_id,
          after.filled_amount.text(),
          after.average_fill_price ? std::optional<std::string>(after.average_fill_price->text())
                                   : std::nullopt};
}

namespace {

// A one-dimensional array in PostgreSQL's input syntax ({"a","b",NULL}):
// every element quoted, `"` and `\` escaped with a backslash.
std::string array_literal(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    if (!v) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char ch : *v) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

// The batch's events as columns; k is an event's place among its account's
// events, n how many that account has.
constexpr const char* kAppendEvents =
    "WITH v AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], "
    "$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[]) "
    "AS v (order_seq, order_id, from_status, to_status, at, reason, account_id, filled_amount, "
    "average_fill_price, k, n)), "
    "c AS (INSERT INTO account_streams (account_id, last_seq) "
    "SELECT DISTINCT account_id, n FROM v ORDER BY account_id "
    "ON CONFLICT (account_id) DO UPDATE SET last_seq = account_streams.last_seq + "
    "excluded.last_seq RETURNING account_id, last_seq) "
    "INSERT INTO order_events (order_seq, order_id, from_status, to_status, at, reason, "
    "account_id, seq, filled_amount, average_fill_price) "
    "SELECT v.order_seq, v.order_id, v.from_status, v.to_status, v.at, v.reason, "
    "v.account_id, c.last_seq - v.n + v.k, v.filled_amount, v.average_fill_price "
    "FROM v JOIN c USING (account_id) ORDER BY v.account_id, v.k";

}  // namespace

std::string events_sql(Connection& c, const std::vector<PendingEvent>& events) {
  std::map<std::string_view, std::int64_t> count;
  for (const auto& e : events) ++count[e.account_id];
  std::map<std::string_view, std::int64_t> k;
  std::vector<std::vector<std::optional<std::string>>> columns(11);
  for (auto& column : columns) column.reserve(events.size());
  for (const auto& e : events) {
    columns[0].emplace_back(std::to_string(e.order_seq));
    columns[1].emplace_back(e.order_id);
    columns[2].emplace_back(e.from);
    columns[3].emplace_back(e.to);
    columns[4].emplace_back(e.at);
    columns[5].emplace_back(e.reason);
    columns[6].emplace_back(e.account_id);
    columns[7].emplace_back(e.filled_amount);
    columns[8].emplace_back(e.average_fill_price);
    columns[9].emplace_back(std::to_string(++k[e.account_id]));
    columns[10].emplace_back(std::to_string(count[e.account_id]));
  }
  Params a;
  for (const auto& column : columns) a.arg(array_literal(column), "");
  return c.execute_sql(kAppendEvents, a);
}

std::vector<std::string> stream_accounts(Connection& c) {
  const pqxx::result r =
      c.run("SELECT account_id FROM account_streams ORDER BY account_id", Params());
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& row : r) out.emplace_back(row[0].c_str());
  return out;
}

// Accounts named in one pruning statement: a fixed count (the rest NULL),
// so that one prepared statement serves any list.
constexpr std::size_t kPruneAccounts = 64;

std::int64_t prune_events(Connection& c, std::span<const std::string> accounts, std::int64_t keep,
                          int limit) {
  // Per account, its oldest events up to last_seq - keep, at most `limit`
  // (ORDER BY seq LIMIT: a prefix), by an index scan of
  // order_events_by_account each; then deleted by primary key. Written so
  // that no estimate can turn it into a scan of the journal (a join back on
  // account_id did, in a hash join, on 1M events: 0.4 s a tick). The
  // deleted rows are locked, nothing else: writers numbering new events
  // (account_streams) are not waited for, and their events are newer.
  std::int64_t gone = 0;
  for (std::size_t next = 0; next < accounts.size();) {
    Params a;
    const std::string k = a.int_arg(keep);
    const std::string n = a.int_arg(limit);
    std::string in;
    for (std::size_t i = 0; i < kPruneAccounts; ++i) {
      in += in.empty() ? "" : ", ";
      in += a.arg(
          next < accounts.size() ? std::optional<std::string>(accounts[next++]) : std::nullopt,
          "text");
    }
    const std::string sql =
        "DELETE FROM order_events WHERE id = ANY (ARRAY(SELECT p.id FROM account_streams s "
        "CROSS JOIN LATERAL (SELECT e.id FROM order_events e WHERE e.account_id = s.account_id "
        "AND e.seq <= s.last_seq - " +
        k + " ORDER BY e.seq LIMIT " + n + ") p WHERE s.account_id IN (" + in + ")))";
    gone += c.run(sql, a).affected_rows();
  }
  return gone;
}

std::vector<StreamEvent> account_events(Connection& c, std::string_view account,
                                        std::int64_t after_seq, int limit) {
  Params a;
  const std::string sql =
      "SELECT " + prefixed(kOrderColumns, "o") + ", " + prefixed(kEventColumns, "e") +
      ", e.seq, e.filled_amount, e.average_fill_price FROM order_events e JOIN orders o ON "
      "o.seq = e.order_seq WHERE e.account_id = " +
      a.text_arg(account) + " AND e.seq > " + a.int_arg(after_seq) + " ORDER BY e.seq LIMIT " +
      a.int_arg(limit);
  const pqxx::result r = c.run(sql, a);
  std::vector<StreamEvent> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    StreamEvent& s = out.emplace_back();
    s.order = read_order(row);
    s.event = read_event(row, 21);
    s.seq = row[26].as<std::int64_t>();
    s.order.status = s.event.to;
    s.order.updated_at = s.event.at;
    s.fills_known = !row[27].is_null();
    if (s.fills_known) {
      s.order.filled_amount = Decimal::parse_stored(row[27].c_str()).value_or(Decimal());
      s.order.average_fill_price =
          row[28].is_null() ? std::nullopt : Decimal::parse_stored(row[28].c_str());
    }
  }
  return out;
}

}  // namespace orderstate::pg
