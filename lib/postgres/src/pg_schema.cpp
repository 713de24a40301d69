// The PostgreSQL schema and its ordered migrations. schema_version holds one
// row per applied version; version N is applied when the highest row is
// below N, inside the transaction that records it. Migrators on several
// servers take turns under an advisory lock.
#include <array>
#include <string>

#include "pg_connection.hpp"

namespace orderstate::pg {
namespace {

// Symbols compare case-insensitively, ASCII only (as SQLite's NOCASE): the
// "C" collation makes lower() independent of the database's locale. Indexes
// and queries must spell the expression the same way (see pg_queries.cpp).
constexpr std::array<const char*, 4> kMigrations{
    // 1: orders, positions, the event journal and the ID sequence. Every
    // lookup a request makes has an index.
    R"sql(
CREATE SEQUENCE order_seq AS bigint MINVALUE 1;

CREATE TABLE orders (
  seq             bigint PRIMARY KEY,
  order_id        text NOT NULL,
  position_id     text NOT NULL,
  account_id      text NOT NULL,
  client_order_id text,
  exchange        text NOT NULL,
  symbol          text NOT NULL,
  side            text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  type            text NOT NULL CHECK (type IN ('MARKET', 'LIMIT')),
  amount          text NOT NULL,
  price           text NOT NULL,
  status          text NOT NULL CHECK (status IN ('OPEN', 'FILLED', 'CANCELED', 'CLOSED')),
  created_at      text NOT NULL,
  updated_at      text NOT NULL
);
CREATE UNIQUE INDEX orders_by_client_id ON orders (account_id, client_order_id)
  WHERE client_order_id IS NOT NULL;
CREATE INDEX orders_by_account ON orders (account_id, seq);
CREATE INDEX orders_by_status ON orders (account_id, status, seq);
CREATE INDEX orders_by_symbol ON orders (account_id, lower(symbol COLLATE "C"), seq);
CREATE INDEX orders_by_status_symbol ON orders (account_id, status, lower(symbol COLLATE "C"), seq);

CREATE TABLE positions (
  seq         bigint PRIMARY KEY,
  position_id text NOT NULL,
  order_id    text NOT NULL,
  account_id  text NOT NULL,
  exchange    text NOT NULL,
  symbol      text NOT NULL,
  side        text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  size        text NOT NULL,
  entry_price text NOT NULL,
  status      text NOT NULL CHECK (status IN ('OPEN', 'CLOSED', 'LIQUIDATED')),
  opened_at   text NOT NULL,
  updated_at  text NOT NULL
);
CREATE INDEX positions_by_account ON positions (account_id, seq);
CREATE INDEX positions_by_status ON positions (account_id, status, seq);
CREATE INDEX positions_by_status_symbol
  ON positions (account_id, status, lower(symbol COLLATE "C"), seq);

CREATE TABLE order_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_seq   bigint NOT NULL,
  order_id    text NOT NULL,
  from_status text,
  to_status   text NOT NULL,
  at          text NOT NULL,
  reason      text NOT NULL
);
CREATE INDEX order_events_by_order ON order_events (order_seq, id);
)sql",
    // 2: partial fills and in-flight states (issues 14, 15); SQLite's
    // migration 3 (the same schema).
    R"sql(
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('OPEN', 'PARTIALLY_FILLED',
  'FILLED', 'CANCELED', 'EXPIRED', 'REJECTED', 'CLOSED', 'PENDING_NEW', 'PENDING_CANCEL',
  'REPLACED'));
ALTER TABLE orders
  ADD COLUMN time_in_force text NOT NULL DEFAULT 'GTC'
    CHECK (time_in_force IN ('GTC', 'IOC', 'FOK', 'DAY', 'GTD')),
  ADD COLUMN expire_at text,
  ADD COLUMN filled_amount text NOT NULL DEFAULT '0',
  ADD COLUMN filled_notional text NOT NULL DEFAULT '0',
  ADD COLUMN average_fill_price text,
  ADD COLUMN pending_since text,
  ADD COLUMN replaces text,
  ADD COLUMN replaced_by text;
ALTER TABLE orders ALTER COLUMN time_in_force DROP DEFAULT,
  ALTER COLUMN filled_amount DROP DEFAULT, ALTER COLUMN filled_notional DROP DEFAULT;
CREATE INDEX orders_by_expiry ON orders (expire_at) WHERE expire_at IS NOT NULL;

CREATE TABLE executions (
  account_id  text NOT NULL,
  exec_id     text NOT NULL,
  order_id    text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('TRADE', 'CANCELED', 'EXPIRED', 'REJECTED', 'NEW',
                                            'CANCEL_REJECTED')),
  last_amount text NOT NULL,
  last_price  text NOT NULL,
  at          text NOT NULL,
  PRIMARY KEY (account_id, exec_id)
);
)sql",
    // 3: a replace asked of the venue (issue 15); SQLite's migration 4.
    R"sql(
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('OPEN', 'PARTIALLY_FILLED',
  'FILLED', 'CANCELED', 'EXPIRED', 'REJECTED', 'CLOSED', 'PENDING_NEW', 'PENDING_CANCEL',
  'REPLACED', 'PENDING_REPLACE'));
ALTER TABLE executions DROP CONSTRAINT executions_kind_check;
ALTER TABLE executions ADD CONSTRAINT executions_kind_check CHECK (kind IN ('TRADE', 'CANCELED',
  'EXPIRED', 'REJECTED', 'NEW', 'CANCEL_REJECTED', 'REPLACED'));
)sql",
    // 4: the journal as a stream (issue 16); SQLite's migration 5.
    R"sql(
ALTER TABLE order_events ADD COLUMN account_id text, ADD COLUMN seq bigint,
  ADD COLUMN filled_amount text, ADD COLUMN average_fill_price text;
UPDATE order_events e SET account_id = n.account_id, seq = n.seq
  FROM (SELECT e2.id, o.account_id,
               ROW_NUMBER() OVER (PARTITION BY o.account_id ORDER BY e2.id) AS seq
        FROM order_events e2 JOIN orders o ON o.seq = e2.order_seq) n
  WHERE n.id = e.id;
ALTER TABLE order_events ALTER COLUMN account_id SET NOT NULL, ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX order_events_by_account ON order_events (account_id, seq);

CREATE TABLE account_streams (
  account_id text PRIMARY KEY,
  last_seq   bigint NOT NULL
);
INSERT INTO account_streams (account_id, last_seq)
  SELECT account_id, MAX(seq) FROM order_events GROUP BY account_id;
)sql",
};

// Any constant will do, as long as it is the same in every orderstate.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7236981504127356001)";

// The highest applied version; 0 for a database orderstate never touched.
int applied_version(Connection& c) {
  if (c.exec("SELECT to_regclass('schema_version') IS NULL")[0][0].as<bool>()) return 0;
  return c.exec("SELECT coalesce(max(version), 0) FROM schema_version")[0][0].as<int>();
}

Error too_new(int version) {
  return storage_error("database schema version " + std::to_string(version) +
                       " is newer than this orderstate supports (" +
                       std::to_string(latest_schema_version()) + ")");
}

}  // namespace

int latest_schema_version() {
  return static_cast<int>(kMigrations.size());
}

Result<void> migrate(Connection& c) {
  return c.guard([&]() -> Result<void> {
    // Checked before the lock first: an up-to-date database is the common
    // case, and a newer one is refused at once.
    const int current = applied_version(c);
    if (current > latest_schema_version()) return too_new(current);
    if (current == latest_schema_version()) return Ok{};
    c.exec("BEGIN");
    try {
      c.exec(kMigrationLock);
      c.exec(
          "CREATE TABLE IF NOT EXISTS schema_version ("
          "  version    integer PRIMARY KEY,"
          "  applied_at timestamptz NOT NULL DEFAULT now())");
      const int from = applied_version(c);  // again, under the lock: another may have migrated
      if (from > latest_schema_version()) {
        c.exec("ROLLBACK");
        return too_new(from);
      }
      for (int v = from; v < latest_schema_version(); ++v) {
        c.exec(kMigrations[static_cast<std::size_t>(v)]);
        c.exec("INSERT INTO schema_version (version) VALUES (" + std::to_string(v + 1) + ")");
      }
      c.exec("COMMIT");
    } catch (...) {
      try {
        c.exec("ROLLBACK");
      } catch (...) {  // the connection is gone; the server rolls back itself
      }
      throw;
    }
    return Ok{};
  });
}

}  // namespace orderstate::pg
