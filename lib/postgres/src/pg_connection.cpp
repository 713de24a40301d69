#include "pg_connection.hpp"

#include <libpq-fe.h>

#include <map>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/prepared_statement>
#include <stdexcept>
#include <utility>

namespace orderstate::pg {
namespace {

// Quotes a libpq keyword/value setting.
std::string quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return std::string_view(s).substr(0, prefix.size()) == prefix;
}

// Storage trouble a retry may fix is Unavailable; the rest is Storage.
struct Classified {
  Errc code;
  bool lost;      // the connection is unusable
  bool conflict;  // a re-run of the unit may succeed
};

Classified classify_sqlstate(const std::string& state) {
  if (starts_with(state, "08")) return {Errc::Unavailable, true, false};  // connection exception
  if (state == "57P01" || state == "57P02" || state == "57P03") {
    return {Errc::Unavailable, true, false};  // server shutting down / starting up
  }
  if (state == "40001" || state == "40P01") return {Errc::Unavailable, false, true};
  // Lock or statement timeout; disk full, out of memory, too many connections.
  if (state == "55P03" || state == "57014") return {Errc::Unavailable, false, false};
  if (starts_with(state, "53")) return {Errc::Unavailable, false, false};
  return {Errc::Storage, false, false};
}

template <typename E>
E column_enum(const pqxx::field& f, std::optional<E> (*parse)(std::string_view)) {
  const auto value = parse(f.c_str());
  if (!value) throw std::runtime_error("unexpected enum value in column " + std::string(f.name()));
  return *value;
}

Decimal column_decimal(const pqxx::field& f) {
  const auto value = Decimal::parse_stored(f.c_str());
  if (!value) throw std::runtime_error("malformed decimal in column " + std::string(f.name()));
  return *value;
}

}  // namespace

Result<std::string> build_conninfo(const PostgresOptions& o) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(o.uri.c_str(), &err);
  if (!parsed) {
    std::string message = err ? trimmed(err) : "out of memory";
    if (err) PQfreemem(err);
    return invalid_argument("postgres: invalid connection string: " + message);
  }
  std::map<std::string, std::string> settings;
  for (const PQconninfoOption* p = parsed; p->keyword; ++p) {
    if (p->val) settings[p->keyword] = p->val;
  }
  PQconninfoFree(parsed);

  settings.try_emplace("connect_timeout", std::to_string(o.connect_timeout_s));
  settings.try_emplace("application_name", "orderstate");
  settings.try_emplace("keepalives_idle", "30");  // TCP only; libpq ignores them on a socket
  settings.try_emplace("keepalives_interval", "10");
  settings.try_emplace("keepalives_count", "3");
  // Keepalives are not sent while data waits for its acknowledgment: a
  // request sent into a half-open connection would wait out the kernel's
  // retransmissions (~15 min) with the writer's batch in it.
  settings.try_emplace("tcp_user_timeout", "60000");
  // Forced, whatever the uri or PGCLIENTENCODING say: the library's text is
  // UTF-8, and only there is every byte below 0x80 a character of its own. In
  // SJIS or BIG5 a 0x5C byte may end a character, and the backslash the
  // events' array literals put before it would escape what follows (an outside
  // review moved events to another account's journal that way).
  settings["client_encoding"] = "UTF8";
  // Session settings ride on the startup packet: no extra round trip.
  std::string& options = settings["options"];
  options += " -c lock_timeout=" + std::to_string(o.lock_timeout_ms);
  options += o.synchronous_commit ? " -c synchronous_commit=on" : " -c synchronous_commit=off";
  options += " -c client_min_messages=warning";
  // Short statements only lose by JIT compiling: the pruning statement's
  // estimate passed jit_above_cost and spent 220 ms compiling, then 2.6 ms
  // running (1M events, nothing to prune).
  options += " -c jit=off";

  std::string conninfo;
  for (const auto& [key, value] : settings) {
    if (!conninfo.empty()) conninfo += ' ';
    conninfo += key + "=" + quoted(value);
  }
  return conninfo;
}

Connection::Connection(const std::string& conninfo) : conn_(conninfo) {}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo) {
  try {
    return std::unique_ptr<Connection>(new Connection(conninfo));
  } catch (const pqxx::broken_connection& e) {
    return unavailable("postgres: cannot connect: " + trimmed(e.what()));
  } catch (const pqxx::sql_error& e) {
    const Classified c = classify_sqlstate(e.sqlstate());
    return Error{c.code, "postgres: cannot connect: " + trimmed(e.what())};
  } catch (const std::exception& e) {
    return unavailable("postgres: cannot connect: " + trimmed(e.what()));
  }
}

// libpqxx 6 would quietly reconnect a broken connection on its next use, and
// run the statement outside the transaction it belonged to: refuse instead.
void Connection::check_open() {
  if (!conn_.is_open()) throw pqxx::broken_connection("connection lost");
}

// The name `sql` is prepared under on this connection, declared to libpqxx on
// first use (which sends it to the server with its first execution).
const std::string& Connection::statement(const std::string& sql) {
  auto [it, added] = statements_.try_emplace(sql);
  if (added) {
    it->second = "os" + std::to_string(statements_.size());
    conn_.prepare(it->second, sql);
  }
  return it->second;
}

pqxx::result Connection::run(const std::string& sql, const Params& params) {
  check_open();
  const std::string& name = statement(sql);
  std::vector<const char*> values;
  values.reserve(params.values().size());
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  pqxx::nontransaction tx(conn_);
  return tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(values));
}

std::string Connection::execute_sql(const std::string& sql, const Params& params) {
  check_open();
  const std::string& name = statement(sql);
  conn_.prepare_now(name);  // EXECUTE finds only what the server has; then a no-op
  std::string out = "EXECUTE " + name + "(";
  const char* sep = "";
  for (const auto& v : params.values()) {
    out += std::exchange(sep, ", ");
    out += v ? quote(*v) : std::string("NULL");
  }
  return out + ")";
}

pqxx::result Connection::exec(const std::string& sql) {
  check_open();
  pqxx::nontransaction tx(conn_);
  return tx.exec(sql);
}

Error Connection::fail(const std::exception& e) {
  std::string message = "postgres: " + trimmed(e.what());
  Classified c{Errc::Storage, false, false};
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    c = {Errc::Unavailable, true, false};
    message = "postgres: commit outcome unknown: " + trimmed(e.what());
  } else if (dynamic_cast<const pqxx::broken_connection*>(&e)) {
    c = {Errc::Unavailable, true, false};
  } else if (dynamic_cast<const pqxx::deadlock_detected*>(&e) ||
             dynamic_cast<const pqxx::serialization_failure*>(&e)) {
    c = {Errc::Unavailable, false, true};  // libpqxx 6 keeps SQLSTATE 40xxx out of sql_error
  } else if (dynamic_cast<const pqxx::transaction_rollback*>(&e)) {
    c = {Errc::Unavailable, false, false};
  } else if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    c = classify_sqlstate(sql->sqlstate());
  }
  // libpq knows best whether the socket survived, whatever the exception says.
  if (!conn_.is_open()) c = {Errc::Unavailable, true, false};
  lost_ = lost_ || c.lost;
  conflict_ = conflict_ || c.conflict;
  return Error{c.code, std::move(message)};
}

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

OrderRecord read_order(const pqxx::row& row) {
  auto col = [&](int i) { return row[i]; };
  OrderRecord o;
  o.order_id = col(0).c_str();
  o.position_id = col(1).c_str();
  o.account_id = col(2).c_str();
  if (!col(3).is_null()) o.client_order_id = col(3).c_str();
  o.exchange = col(4).c_str();
  o.symbol = col(5).c_str();
  o.side = column_enum(col(6), &parse_side);
  o.type = column_enum(col(7), &parse_order_type);
  o.amount = column_decimal(col(8));
  o.price = column_decimal(col(9));
  o.status = column_enum(col(10), &parse_order_status);
  o.created_at = col(11).c_str();
  o.updated_at = col(12).c_str();
  o.time_in_force = column_enum(col(13), &parse_time_in_force);
  if (!col(14).is_null()) o.expire_at = col(14).c_str();
  o.filled_amount = column_decimal(col(15));
  o.filled_notional = column_decimal(col(16));
  if (!col(17).is_null()) o.average_fill_price = column_decimal(col(17));
  if (!col(18).is_null()) o.pending_since = col(18).c_str();
  if (!col(19).is_null()) o.replaces = col(19).c_str();
  if (!col(20).is_null()) o.replaced_by = col(20).c_str();
  return o;
}

PositionRecord read_position(const pqxx::row& row) {
  auto col = [&](int i) { return row[i]; };
  PositionRecord p;
  p.position_id = col(0).c_str();
  p.order_id = col(1).c_str();
  p.account_id = col(2).c_str();
  p.exchange = col(3).c_str();
  p.symbol = col(4).c_str();
  p.side = column_enum(col(5), &parse_side);
  p.size = column_decimal(col(6));
  p.entry_price = column_decimal(col(7));
  p.status = column_enum(col(8), &parse_position_status);
  p.opened_at = col(9).c_str();
  p.updated_at = col(10).c_str();
  return p;
}

ExecutionRecord read_execution(const pqxx::row& row) {
  auto col = [&](int i) { return row[i]; };
  ExecutionRecord e;
  e.account_id = col(0).c_str();
  e.exec_id = col(1).c_str();
  e.order_id = col(2).c_str();
  e.kind = column_enum(col(3), &parse_exec_kind);
  e.last_amount = column_decimal(col(4));
  e.last_price = column_decimal(col(5));
  e.at = col(6).c_str();
  return e;
}

OrderEvent read_event(const pqxx::row& row, int first_column) {
  auto col = [&](int i) { return row[first_column + i]; };
  OrderEvent e;
  e.order_id = col(0).c_str();
  if (!col(1).is_null()) e.from = column_enum(col(1), &parse_order_status);
  e.to = column_enum(col(2), &parse_order_status);
  e.at = col(3).c_str();
  e.reason = col(4).c_str();
  return e;
}

}  // namespace orderstate::pg
