// The SQLite schema and its ordered migrations. Version N is applied when
// PRAGMA user_version < N; each migration runs once, inside the transaction
// that records its version.
#include <array>
#include <string>

#include "sqlite_connection.hpp"

namespace orderstate::sqlite {
namespace {

constexpr std::array<const char*, 5> kMigrations{
    // 1: orders, positions, the event journal and the ID counter. Every lookup
    // a request makes has an index; symbols compare case-insensitively.
    R"sql(
CREATE TABLE id_sequence (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO id_sequence (name, value) VALUES ('order', 0);

CREATE TABLE orders (
  seq             INTEGER PRIMARY KEY,
  order_id        TEXT NOT NULL,
  position_id     TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  client_order_id TEXT,
  exchange        TEXT NOT NULL,
  symbol          TEXT NOT NULL COLLATE NOCASE,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  type            TEXT NOT NULL CHECK (type IN ('MARKET', 'LIMIT')),
  amount          TEXT NOT NULL,
  price           TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('OPEN', 'FILLED', 'CANCELED', 'CLOSED')),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX orders_by_client_id ON orders (account_id, client_order_id)
  WHERE client_order_id IS NOT NULL;
CREATE INDEX orders_by_account ON orders (account_id, seq);
CREATE INDEX orders_by_status ON orders (account_id, status, seq);
CREATE INDEX orders_by_symbol ON orders (account_id, symbol, seq);
CREATE INDEX orders_by_status_symbol ON orders (account_id, status, symbol, seq);

CREATE TABLE positions (
  seq         INTEGER PRIMARY KEY,
  position_id TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  exchange    TEXT NOT NULL,
  symbol      TEXT NOT NULL COLLATE NOCASE,
  side        TEXT NOT NULL,
  size        TEXT NOT NULL,
  entry_price TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('OPEN', 'CLOSED', 'LIQUIDATED')),
  opened_at   TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX positions_by_account ON positions (account_id, seq);
CREATE INDEX positions_by_status ON positions (account_id, status, seq);
CREATE INDEX positions_by_status_symbol ON positions (account_id, status, symbol, seq);

CREATE TABLE order_events (
  id          INTEGER PRIMARY KEY,
  order_seq   INTEGER NOT NULL,
  order_id    TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT NOT NULL,
  at          TEXT NOT NULL,
  reason      TEXT NOT NULL
);
CREATE INDEX order_events_by_order ON order_events (order_seq, id);
)sql",
    // 2: positions.side gets the CHECK that orders.side and PostgreSQL's
    // positions.side have had from the start (tests/core/schema_parity_test.cpp
    // compares the two schemas). SQLite cannot add a constraint to a table:
    // the table is rebuilt, its rows copied with their seq, and its indexes
    // created again. A row whose side is neither BUY nor SELL makes the
    // migration fail and roll back: the file stays at version 1.
    R"sql(
CREATE TABLE positions_v2 (
  seq         INTEGER PRIMARY KEY,
  position_id TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  exchange    TEXT NOT NULL,
  symbol      TEXT NOT NULL COLLATE NOCASE,
  side        TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  size        TEXT NOT NULL,
  entry_price TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('OPEN', 'CLOSED', 'LIQUIDATED')),
  opened_at   TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
INSERT INTO positions_v2 (seq, position_id, order_id, account_id, exchange, symbol, side, size,
                          entry_price, status, opened_at, updated_at)
  SELECT seq, position_id, order_id, account_id, exchange, symbol, side, size,
         entry_price, status, opened_at, updated_at
  FROM positions;
DROP TABLE positions;
ALTER TABLE positions_v2 RENAME TO positions;
CREATE INDEX positions_by_account ON positions (account_id, seq);
CREATE INDEX positions_by_status ON positions (account_id, status, seq);
CREATE INDEX positions_by_status_symbol ON positions (account_id, status, symbol, seq);
)sql",
    // 3: partial fills and in-flight states (issues 14, 15). Orders gain the
    // FIX statuses PARTIALLY_FILLED, EXPIRED, REJECTED, PENDING_NEW and
    // PENDING_CANCEL, a time in force and expiry, their executions so far and
    // when they went in flight; executions records each report once per
    // account.
    // The status CHECK changes, so the table is rebuilt as in 2; new columns
    // come last, in the order PostgreSQL's ALTER TABLE appends them.
    // executions is WITHOUT ROWID: its key is the only lookup, so one B-tree
    // instead of a table and its key index.
    R"sql(
CREATE TABLE orders_v3 (
  seq             INTEGER PRIMARY KEY,
  order_id        TEXT NOT NULL,
  position_id     TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  client_order_id TEXT,
  exchange        TEXT NOT NULL,
  symbol          TEXT NOT NULL COLLATE NOCASE,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  type            TEXT NOT NULL CHECK (type IN ('MARKET', 'LIMIT')),
  amount          TEXT NOT NULL,
  price           TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED',
                                                  'EXPIRED', 'REJECTED', 'CLOSED', 'PENDING_NEW',
                                                  'PENDING_CANCEL', 'REPLACED')),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  time_in_force   TEXT NOT NULL CHECK (time_in_force IN ('GTC', 'IOC', 'FOK', 'DAY', 'GTD')),
  expire_at       TEXT,
  filled_amount   TEXT NOT NULL,
  filled_notional TEXT NOT NULL,
  average_fill_price TEXT,
  pending_since   TEXT,
  replaces        TEXT,
  replaced_by     TEXT
);
INSERT INTO orders_v3 (seq, order_id, position_id, account_id, client_order_id, exchange, symbol,
                       side, type, amount, price, status, created_at, updated_at, time_in_force,
                       expire_at, filled_amount, filled_notional, average_fill_price,
                       pending_since, replaces, replaced_by)
  SELECT seq, order_id, position_id, account_id, client_order_id, exchange, symbol, side, type,
         amount, price, status, created_at, updated_at, 'GTC', NULL, '0', '0', NULL, NULL, NULL, NULL
  FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v3 RENAME TO orders;
CREATE UNIQUE INDEX orders_by_client_id ON orders (account_id, client_order_id)
  WHERE client_order_id IS NOT NULL;
CREATE INDEX orders_by_account ON orders (account_id, seq);
CREATE INDEX orders_by_status ON orders (account_id, status, seq);
CREATE INDEX orders_by_symbol ON orders (account_id, symbol, seq);
CREATE INDEX orders_by_status_symbol ON orders (account_id, status, symbol, seq);
CREATE INDEX orders_by_expiry ON orders (expire_at) WHERE expire_at IS NOT NULL;

CREATE TABLE executions (
  account_id  TEXT NOT NULL,
  exec_id     TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('TRADE', 'CANCELED', 'EXPIRED', 'REJECTED', 'NEW',
                                            'CANCEL_REJECTED')),
  last_amount TEXT NOT NULL,
  last_price  TEXT NOT NULL,
  at          TEXT NOT NULL,
  PRIMARY KEY (account_id, exec_id)
) WITHOUT ROWID;
)sql",
    // 4: a replace asked of the venue (issue 15): orders may be
    // PENDING_REPLACE and a REPLACED report is recorded. Both CHECKs change,
    // so both tables are rebuilt as in 2 and 3, columns and rows as they are.
    R"sql(
CREATE TABLE orders_v4 (
  seq             INTEGER PRIMARY KEY,
  order_id        TEXT NOT NULL,
  position_id     TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  client_order_id TEXT,
  exchange        TEXT NOT NULL,
  symbol          TEXT NOT NULL COLLATE NOCASE,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  type            TEXT NOT NULL CHECK (type IN ('MARKET', 'LIMIT')),
  amount          TEXT NOT NULL,
  price           TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED',
                                                  'EXPIRED', 'REJECTED', 'CLOSED', 'PENDING_NEW',
                                                  'PENDING_CANCEL', 'REPLACED',
                                                  'PENDING_REPLACE')),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  time_in_force   TEXT NOT NULL CHECK (time_in_force IN ('GTC', 'IOC', 'FOK', 'DAY', 'GTD')),
  expire_at       TEXT,
  filled_amount   TEXT NOT NULL,
  filled_notional TEXT NOT NULL,
  average_fill_price TEXT,
  pending_since   TEXT,
  replaces        TEXT,
  replaced_by     TEXT
);
INSERT INTO orders_v4 SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v4 RENAME TO orders;
CREATE UNIQUE INDEX orders_by_client_id ON orders (account_id, client_order_id)
  WHERE client_order_id IS NOT NULL;
CREATE INDEX orders_by_account ON orders (account_id, seq);
CREATE INDEX orders_by_status ON orders (account_id, status, seq);
CREATE INDEX orders_by_symbol ON orders (account_id, symbol, seq);
CREATE INDEX orders_by_status_symbol ON orders (account_id, status, symbol, seq);
CREATE INDEX orders_by_expiry ON orders (expire_at) WHERE expire_at IS NOT NULL;

CREATE TABLE executions_v4 (
  account_id  TEXT NOT NULL,
  exec_id     TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('TRADE', 'CANCELED', 'EXPIRED', 'REJECTED', 'NEW',
                                            'CANCEL_REJECTED', 'REPLACED')),
  last_amount TEXT NOT NULL,
  last_price  TEXT NOT NULL,
  at          TEXT NOT NULL,
  PRIMARY KEY (account_id, exec_id)
) WITHOUT ROWID;
INSERT INTO executions_v4 SELECT * FROM executions;
DROP TABLE executions;
ALTER TABLE executions_v4 RENAME TO executions;
)sql",
    // 5: the journal as a stream (issue 16). Each event gets its account and
    // a per-account sequence (no gap, no reuse: account_streams counts it
    // inside the committing transaction), and the order's fills after it
    // (NULL for events journaled before this version: not recorded then).
    // Existing events are numbered per account in journal order. The table
    // is rebuilt for the NOT NULL columns.
    R"sql(
CREATE TABLE order_events_v5 (
  id          INTEGER PRIMARY KEY,
  order_seq   INTEGER NOT NULL,
  order_id    TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT NOT NULL,
  at          TEXT NOT NULL,
  reason      TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  filled_amount TEXT,
  average_fill_price TEXT
);
INSERT INTO order_events_v5 (id, order_seq, order_id, from_status, to_status, at, reason,
                             account_id, seq)
  SELECT e.id, e.order_seq, e.order_id, e.from_status, e.to_status, e.at, e.reason, o.account_id,
         ROW_NUMBER() OVER (PARTITION BY o.account_id ORDER BY e.id)
  FROM order_events e JOIN orders o ON o.seq = e.order_seq;
DROP TABLE order_events;
ALTER TABLE order_events_v5 RENAME TO order_events;
CREATE INDEX order_events_by_order ON order_events (order_seq, id);
CREATE UNIQUE INDEX order_events_by_account ON order_events (account_id, seq);

CREATE TABLE account_streams (
  account_id TEXT PRIMARY KEY,
  last_seq   INTEGER NOT NULL
);
INSERT INTO account_streams (account_id, last_seq)
  SELECT account_id, MAX(seq) FROM order_events GROUP BY account_id;
)sql",
};

int user_version(SQLite::Database& db) {
  SQLite::Statement q(db, "PRAGMA user_version");
  q.executeStep();
  return q.getColumn(0).getInt();
}

}  // namespace

int latest_schema_version() {
  return static_cast<int>(kMigrations.size());
}

Result<void> migrate(SQLite::Database& db) {
  try {
    // Checked outside a transaction first so a newer file is refused without
    // taking its write lock.
    if (user_version(db) > latest_schema_version()) {
      return storage_error("database schema version " + std::to_string(user_version(db)) +
                           " is newer than this orderstate supports (" +
                           std::to_string(latest_schema_version()) + ")");
    }
    db.exec("BEGIN IMMEDIATE");
    const int from = user_version(db);  // again, under the lock: another process may have migrated
    try {
      for (int v = from; v < latest_schema_version(); ++v) {
        db.exec(kMigrations[static_cast<std::size_t>(v)]);
        db.exec("PRAGMA user_version = " + std::to_string(v + 1));
      }
      db.exec("COMMIT");
    } catch (...) {
      db.tryExec("ROLLBACK");
      throw;
    }
    return Ok{};
  } catch (const SQLite::Exception& e) {
    return to_error(e);
  }
}

}  // namespace orderstate::sqlite
