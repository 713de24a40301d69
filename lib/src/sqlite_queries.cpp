#include "sqlite_queries.hpp"

#include <limits>

#include "orderstate/ids.hpp"

namespace orderstate::sqlite {
namespace {

const std::string kSelectOrder = std::string("SELECT ") + kOrderColumns + " FROM orders ";
const std::string kSelectPosition = std::string("SELECT ") + kPositionColumns + " FROM positions ";

// The sequence inside an ID: the rowid of both the order and its position.
std::optional<std::int64_t> seq_of(IdKind kind, std::string_view id) {
  const auto parts = parse_id(kind, id);
  if (!parts) return std::nullopt;
  return parts->seq;
}

template <typename T, typename Read>
std::vector<T> read_all(Query& q, Read read) {
  std::vector<T> out;
  while (q.step()) out.push_back(read(q));
  return out;
}

}  // namespace

std::int64_t next_sequence(Connection& c) {
  // Two statements rather than RETURNING: cheaper in SQLite (see set_order_status).
  if (c.query("UPDATE id_sequence SET value = value + 1 WHERE name = 'order'").exec() != 1) {
    throw SQLite::Exception("id_sequence row missing", SQLITE_CORRUPT);
  }
  Query q = c.query("SELECT value FROM id_sequence WHERE name = 'order'");
  q.step();
  return q.column_int64(0);
}

void insert(Connection& c, const OrderRecord& o, const PositionRecord& p) {
  const auto seq = seq_of(IdKind::Order, o.order_id);
  if (!seq) throw SQLite::Exception("malformed order id on insert");
  Query order = c.query(
      "INSERT INTO orders (seq, order_id, position_id, account_id, client_order_id, exchange, "
      "symbol, side, type, amount, price, status, created_at, updated_at, time_in_force, "
      "expire_at, filled_amount, filled_notional, average_fill_price, pending_since, replaces, "
      "replaced_by) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19, ?20, ?21, ?22)");
  order.opt_text(20, o.pending_since).opt_text(21, o.replaces).opt_text(22, o.replaced_by);
  order.integer(1, *seq).text(2, o.order_id).text(3, o.position_id).text(4, o.account_id);
  order.opt_text(5, o.client_order_id).text(6, o.exchange).text(7, o.symbol);
  order.text(8, to_string(o.side)).text(9, to_string(o.type)).text(10, o.amount.text());
  order.text(11, o.price.text()).text(12, to_string(o.status)).text(13, o.created_at);
  order.text(14, o.updated_at).text(15, to_string(o.time_in_force)).opt_text(16, o.expire_at);
  order.text(17, o.filled_amount.text()).text(18, o.filled_notional.text());
  if (o.average_fill_price) order.text(19, o.average_fill_price->text());
  order.exec();
  Query position = c.query(
      "INSERT INTO positions (seq, position_id, order_id, account_id, exchange, symbol, side, "
      "size, entry_price, status, opened_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  position.integer(1, *seq).text(2, p.position_id).text(3, p.order_id).text(4, p.account_id);
  position.text(5, p.exchange).text(6, p.symbol).text(7, to_string(p.side));
  position.text(8, p.size.text()).text(9, p.entry_price.text()).text(10, to_string(p.status));
  position.text(11, p.opened_at);
  position.text(12, p.updated_at).exec();
}

Result<OrderRecord> find_order(Connection& c, std::string_view account, std::string_view order_id) {
  const auto seq = seq_of(IdKind::Order, order_id);
  if (!seq) return not_found("order not found");
  static const std::string sql =
      kSelectOrder + "WHERE seq = ?1 AND order_id = ?2 AND account_id = ?3";
  Query q = c.query(sql.c_str());
  q.integer(1, *seq).text(2, order_id).text(3, account);
  if (!q.step()) return not_found("order not found");
  return read_order(q);
}

Result<OrderRecord> find_order_by_client_id(Connection& c, std::string_view account,
                                            std::string_view client_order_id) {
  static const std::string sql = kSelectOrder + "WHERE account_id = ?1 AND client_order_id = ?2";
  Query q = c.query(sql.c_str());
  q.text(1, account).text(2, client_order_id);
  if (!q.step()) return not_found("order not found");
  return read_order(q);
}

Result<PositionRecord> find_position(Connection& c, std::string_view account,
                                     std::string_view position_id) {
  const auto seq = seq_of(IdKind::Position, position_id);
  if (!seq) return not_found("position not found");
  static const std::string sql =
      kSelectPosition + "WHERE seq = ?1 AND position_id = ?2 AND account_id = ?3";
  Query q = c.query(sql.c_str());
  q.integer(1, *seq).text(2, position_id).text(3, account);
  if (!q.step()) return not_found("position not found");
  return read_position(q);
}

std::vector<PositionRecord> positions_in(Connection& c, std::string_view account,
                                         std::optional<PositionStatus> status,
                                         const std::optional<std::string>& symbol,
                                         std::optional<int> limit) {
  std::string sql = kSelectPosition + "WHERE account_id = ?1";
  if (status) sql += " AND status = ?2";
  if (symbol) sql += " AND symbol = ?3";
  sql += " ORDER BY seq LIMIT ?4";
  Query q = c.query(sql);
  q.text(1, account);
  if (status) q.text(2, to_string(*status));
  if (symbol) q.text(3, *symbol);
  q.integer(4, limit.value_or(-1));
  return read_all<PositionRecord>(q, read_position);
}

std::vector<OrderRecord> orders_in(Connection& c, std::string_view account,
                                   std::span<const OrderStatus> statuses,
                                   const std::optional<std::string>& symbol) {
  std::string sql = kSelectOrder + "WHERE account_id = ?1 AND status IN (";
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    sql += (i ? ", ?" : "?") + std::to_string(i + 3);
  }
  sql += symbol ? ") AND symbol = ?2 ORDER BY seq" : ") ORDER BY seq";
  Query q = c.query(sql);
  q.text(1, account);
  if (symbol) q.text(2, *symbol);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    q.text(static_cast<int>(i + 3), to_string(statuses[i]));
  }
  return read_all<OrderRecord>(q, read_order);
}

std::vector<OrderRecord> list_orders(Connection& c, std::string_view account,
                                     const OrderFilter& f) {
  std::string sql = kSelectOrder + "WHERE account_id = ?1 AND seq < ?2";
  if (!f.statuses.empty()) {
    sql += " AND status IN (";
    for (std::size_t i = 0; i < f.statuses.size(); ++i) {
      sql += (i ? ", ?" : "?") + std::to_string(i + 6);
    }
    sql += ")";
  }
  if (f.symbol) sql += " AND symbol = ?4";
  sql += " ORDER BY seq DESC LIMIT ?5";
  Query q = c.query(sql);
  q.text(1, account).integer(2, f.before_seq.value_or(std::numeric_limits<std::int64_t>::max()));
  for (std::size_t i = 0; i < f.statuses.size(); ++i) {
    q.text(static_cast<int>(i + 6), to_string(f.statuses[i]));
  }
  if (f.symbol) q.text(4, *f.symbol);
  q.integer(5, f.limit);
  return read_all<OrderRecord>(q, read_order);
}

std::int64_t count_orders(Connection& c, std::string_view account, OrderStatus status) {
  Query q = c.query("SELECT count(*) FROM orders WHERE account_id = ?1 AND status = ?2");
  q.text(1, account).text(2, to_string(status));
  return q.step() ? q.column_int64(0) : 0;
}

Result<std::vector<OrderEvent>> order_events(Connection& c, std::string_view account,
                                             std::string_view order_id) {
  auto order = find_order(c, account, order_id);
  if (!order.ok()) return order.error();
  Query q = c.query(std::string("SELECT ") + kEventColumns +
                    " FROM order_events WHERE order_seq = ?1 ORDER BY id");
  q.integer(1, *seq_of(IdKind::Order, order_id));
  return read_all<OrderEvent>(q, [](const Query& row) { return read_event(row); });
}

std::optional<OrderRecord> set_order_status(Connection& c, std::string_view account,
                                            std::string_view order_id, OrderStatus from,
                                            OrderStatus to, std::string_view at,
                                            const std::optional<std::string>& pending_since) {
  const auto seq = seq_of(IdKind::Order, order_id);
  if (!seq) return std::nullopt;
  {
    // Not UPDATE ... RETURNING: SQLite buffers RETURNING rows in an ephemeral
    // table, which costs more than reading the row back by rowid (measured).
    Query q = c.query(
        "UPDATE orders SET status = ?1, updated_at = ?2, pending_since = ?7 "
        "WHERE seq = ?3 AND order_id = ?4 AND account_id = ?5 AND status = ?6");
    q.text(1, to_string(to)).text(2, at).integer(3, *seq).text(4, order_id).text(5, account);
    q.opt_text(7, pending_since);
    if (q.text(6, to_string(from)).exec() != 1) return std::nullopt;
  }
  static const std::string sql = kSelectOrder + "WHERE seq = ?1";
  Query q = c.query(sql.c_str());
  q.integer(1, *seq);
  if (!q.step()) throw SQLite::Exception("updated order vanished", SQLITE_CORRUPT);
  return read_order(q);
}

bool set_position_status(Connection& c, std::string_view position_id, PositionStatus from,
                         PositionStatus to, std::string_view at) {
  const auto seq = seq_of(IdKind::Position, position_id);
  if (!seq) return false;
  Query q = c.query(
      "UPDATE positions SET status = ?1, updated_at = ?2 "
      "WHERE seq = ?3 AND position_id = ?4 AND status = ?5");
  q.text(1, to_string(to)).text(2, at).integer(3, *seq).text(4, position_id);
  return q.text(5, to_string(from)).exec() == 1;
}

namespace {

// " IN (?first, ?first+1, ...)" for `n` values.
std::string in_list(std::size_t n, int first) {
  std::string sql = " IN (";
  for (std::size_t i = 0; i < n; ++i) {
    sql += (i ? ", ?" : "?") + std::to_string(first + static_cast<int>(i));
  }
  return sql + ")";
}

void bind_statuses(Query& q, std::span<const OrderStatus> statuses, int first) {
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    q.text(first + static_cast<int>(i), to_string(statuses[i]));
  }
}

}  // namespace

std::vector<OrderRecord> orders_due(Connection& c, std::span<const OrderStatus> statuses,
                                    std::string_view at, int limit) {
  Query q = c.query(kSelectOrder + "WHERE expire_at IS NOT NULL AND expire_at <= ?1 AND status" +
                    in_list(statuses.size(), 3) + " ORDER BY expire_at, seq LIMIT ?2");
  q.text(1, at).integer(2, limit);
  bind_statuses(q, statuses, 3);
  return read_all<OrderRecord>(q, read_order);
}

std::vector<OrderRecord> pending_orders(Connection& c, std::string_view account,
                                        std::span<const OrderStatus> statuses,
                                        std::string_view cutoff, int limit,
                                        const std::optional<InFlightCursor>& after) {
  std::string sql = kSelectOrder +
                    "WHERE account_id = ?1 AND pending_since IS NOT NULL AND pending_since <= ?2 "
                    "AND status" +
                    in_list(statuses.size(), 6);
  if (after) sql += " AND (pending_since > ?4 OR (pending_since = ?4 AND seq > ?5))";
  Query q = c.query(sql + " ORDER BY pending_since, seq LIMIT ?3");
  q.text(1, account).text(2, cutoff).integer(3, limit);
  if (after) q.text(4, after->pending_since).integer(5, after->seq);
  bind_statuses(q, statuses, 6);
  return read_all<OrderRecord>(q, read_order);
}

bool set_replaced_by(Connection& c, std::string_view account, std::string_view order_id,
                     std::string_view replacement_id) {
  const auto seq = seq_of(IdKind::Order, order_id);
  if (!seq) return false;
  Query q = c.query(
      "UPDATE orders SET replaced_by = ?1 WHERE seq = ?2 AND order_id = ?3 AND account_id = ?4");
  q.text(1, replacement_id).integer(2, *seq).text(3, order_id).text(4, account);
  return q.exec() == 1;
}

bool set_order_fill(Connection& c, OrderStatus from, const Decimal& filled_before,
                    const OrderRecord& after) {
  const auto seq = seq_of(IdKind::Order, after.order_id);
  if (!seq || !after.average_fill_price) return false;
  // As for positions: status is written only when it changes.
  Query q =
      from == after.status
          ? c.query(
                "UPDATE orders SET updated_at = ?2, filled_amount = ?3, filled_notional = ?4, "
                "average_fill_price = ?5, pending_since = ?11 WHERE seq = ?6 AND "
                "order_id = ?7 AND account_id = ?8 AND status = ?9 AND filled_amount = ?10")
          : c.query(
                "UPDATE orders SET status = ?1, updated_at = ?2, filled_amount = ?3, "
                "filled_notional = ?4, "
                "average_fill_price = ?5, pending_since = ?11 WHERE seq = ?6 AND order_id = ?7 "
                "AND account_id = ?8 AND status = ?9 AND filled_amount = ?10");
  q.opt_text(11, after.pending_since);
  q.text(1, to_string(after.status)).text(2, after.updated_at);
  q.text(3, after.filled_amount.text()).text(4, after.filled_notional.text());
  q.text(5, after.average_fill_price->text()).integer(6, *seq).text(7, after.order_id);
  q.text(8, after.account_id).text(9, to_string(from)).text(10, filled_before.text());
  return q.exec() == 1;
}

bool set_position_fill(Connection& c, std::string_view position_id, const Decimal& size,
                       const Decimal& entry_price, std::string_view at, bool reopen) {
  const auto seq = seq_of(IdKind::Position, position_id);
  if (!seq) return false;
  // Writing status, even unchanged, rewrites its two index entries: only on reopen.
  Query q = reopen ? c.query(
                         "UPDATE positions SET size = ?1, entry_price = ?2, updated_at = ?3, "
                         "status = CASE status WHEN 'CLOSED' THEN 'OPEN' ELSE status END "
                         "WHERE seq = ?4 AND position_id = ?5")
                   : c.query(
                         "UPDATE positions SET size = ?1, entry_price = ?2, updated_at = ?3 "
                         "WHERE seq = ?4 AND position_id = ?5");
  q.text(1, size.text()).text(2, entry_price.text()).text(3, at).integer(4, *seq);
  return q.text(5, position_id).exec() == 1;
}

bool insert_execution(Connection& c, const ExecutionRecord& e) {
  Query q = c.query(
      "INSERT INTO executions (account_id, exec_id, order_id, kind, last_amount, last_price, at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account_id, exec_id) DO NOTHING");
  q.text(1, e.account_id).text(2, e.exec_id).text(3, e.order_id).text(4, to_string(e.kind));
  q.text(5, e.last_amount.text()).text(6, e.last_price.text()).text(7, e.at);
  return q.exec() == 1;
}

Result<ExecutionRecord> find_execution(Connection& c, std::string_view account,
                                       std::string_view exec_id) {
  static const std::string sql = std::string("SELECT ") + kExecutionColumns +
                                 " FROM executions WHERE account_id = ?1 AND exec_id = ?2";
  Query q = c.query(sql.c_str());
  q.text(1, account).text(2, exec_id);
  if (!q.step()) return not_found("execution not found");
  return read_execution(q);
}

void append_event(Connection& c, const OrderRecord& after, std::optional<OrderStatus> from,
                  std::string_view reason) {
  const auto seq = seq_of(IdKind::Order, after.order_id);
  if (!seq) throw SQLite::Exception("malformed order id in event");
  // The account's next number: the counter row is the writer's (SQLite has
  // one writer), the event reads it back in the same transaction.
  Query next = c.query(
      "INSERT INTO account_streams (account_id, last_seq) VALUES (?1, 1) "
      "ON CONFLICT (account_id) DO UPDATE SET last_seq = last_seq + 1");
  next.text(1, after.account_id).exec();
  Query q = c.query(
      "INSERT INTO order_events (order_seq, order_id, from_status, to_status, at, reason, "
      "account_id, seq, filled_amount, average_fill_price) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
      "(SELECT last_seq FROM account_streams WHERE account_id = ?7), ?8, ?9)");
  q.integer(1, *seq).text(2, after.order_id);
  if (from) q.text(3, to_string(*from));
  q.text(4, to_string(after.status)).text(5, after.updated_at).text(6, reason);
  q.text(7, after.account_id).text(8, after.filled_amount.text());
  if (after.average_fill_price) q.text(9, after.average_fill_price->text());
  q.exec();
}

std::vector<std::string> stream_accounts(Connection& c) {
  Query q = c.query("SELECT account_id FROM account_streams ORDER BY account_id");
  std::vector<std::string> out;
  while (q.step()) out.emplace_back(q.column_text(0));
  return out;
}

// Accounts named in one pruning statement: a fixed count (the rest NULL),
// so that one cached statement serves any list.
constexpr std::size_t kPruneAccounts = 64;

std::int64_t prune_events(Connection& c, std::span<const std::string> accounts, std::int64_t keep,
                          int limit) {
  // Per account, through order_events_by_account (account_id, seq): from
  // its oldest event `lo`, up to last_seq - keep and at most `limit` of
  // them, so always a prefix. Seeks and deletes only: the kept events are
  // never scanned, however many there are.
  static const std::string sql = [] {
    std::string in;
    for (std::size_t i = 0; i < kPruneAccounts; ++i) {
      in += (in.empty() ? "?" : ", ?") + std::to_string(i + 3);
    }
    return "DELETE FROM order_events WHERE id IN (SELECT e.id FROM (SELECT s.account_id, "
           "(SELECT min(m.seq) FROM order_events m WHERE m.account_id = s.account_id) AS lo, "
           "s.last_seq - ?1 AS top FROM account_streams s WHERE s.account_id IN (" +
           in +
           ")) b JOIN order_events e ON e.account_id = b.account_id AND e.seq >= b.lo "
           "AND e.seq <= min(b.top, b.lo + ?2 - 1))";
  }();
  std::int64_t gone = 0;
  for (std::size_t next = 0; next < accounts.size();) {
    Query q = c.query(sql);
    q.integer(1, keep).integer(2, limit);
    for (int i = 3; next < accounts.size() && i < 3 + static_cast<int>(kPruneAccounts); ++i) {
      q.text(i, accounts[next++]);
    }
    gone += q.exec();
  }
  return gone;
}

std::vector<StreamEvent> account_events(Connection& c, std::string_view account,
                                        std::int64_t after_seq, int limit) {
  static const std::string sql = [] {
    std::string columns = kOrderColumns;
    std::string out = "SELECT o.";
    for (char ch : columns) out += ch == ' ' ? std::string(" o.") : std::string(1, ch);
    return out +
           ", e.order_id, e.from_status, e.to_status, e.at, e.reason, e.seq, e.filled_amount, "
           "e.average_fill_price FROM order_events e JOIN orders o ON o.seq = e.order_seq "
           "WHERE e.account_id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3";
  }();
  Query q = c.query(sql.c_str());
  q.text(1, account).integer(2, after_seq).integer(3, limit);
  std::vector<StreamEvent> out;
  while (q.step()) {
    StreamEvent& s = out.emplace_back();
    s.order = read_order(q);
    s.event = read_event(q, 21);
    s.seq = q.column_int64(26);
    s.order.status = s.event.to;
    s.order.updated_at = s.event.at;
    s.fills_known = !q.is_null(27);
    if (s.fills_known) {
      s.order.filled_amount = Decimal::parse_stored(q.column_text(27)).value_or(Decimal());
      s.order.average_fill_price =
          q.is_null(28) ? std::nullopt : Decimal::parse_stored(q.column_text(28));
    }
  }
  return out;
}

}  // namespace orderstate::sqlite
