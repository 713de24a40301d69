// The schema is written twice, once per backend (lib/src/sqlite_schema.cpp,
// lib/postgres/src/pg_schema.cpp). This test migrates a fresh SQLite file and
// a fresh PostgreSQL schema through the repositories, reads both live
// catalogs, turns each into a list of facts in one vocabulary, and fails on
// any fact only one side has: tables, columns (position, type, nullability),
// primary keys, unique constraints, CHECK constraints and indexes (unique,
// key columns, predicate).
//
// The mapping between the two dialects, and all it leaves out:
// - Types: SQLite INTEGER and PostgreSQL bigint are both "int64" (SQLite
//   integers are 64-bit); TEXT and text are "text". Any other type keeps its
//   backend's spelling, so it matches nothing.
// - Nullability: a primary-key column is NOT NULL. SQLite reports an
//   INTEGER PRIMARY KEY (the rowid) as nullable, yet it can never be NULL.
// - Case-insensitive symbols: SQLite declares the column COLLATE NOCASE and
//   its indexes inherit that; PostgreSQL indexes lower(symbol COLLATE "C").
//   Both read as the index key "lower(symbol)". A column's collation is not
//   compared on its own (PostgreSQL has none there: its queries call lower()).
// - CHECK constraints are compared by expression, after this normalisation:
//   whitespace collapsed, enclosing parentheses dropped, and PostgreSQL's
//   `col = ANY (ARRAY['A'::text, 'B'::text])` read back as the
//   `col IN ('A', 'B')` it was written as. Other expressions compare as
//   written (whitespace collapsed): a new kind of CHECK fails this test until
//   it is taught here.
// - How ids are generated is not compared: order_events.id is SQLite's rowid
//   and a PostgreSQL identity column; both assign it themselves.
// - Each backend's own bookkeeping is left out (asserted, not compared):
//   SQLite's id_sequence table (PostgreSQL has the order_seq sequence) and
//   PostgreSQL's schema_version table (SQLite has PRAGMA user_version).
#include <catch2/catch.hpp>

#include "../skip.hpp"
#include "fixtures.hpp"

#if ORDERSTATE_TEST_WITH_POSTGRES
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace orderstate;
using orderstate::testing::open_or_die;
using orderstate::testing::TempDb;
using orderstate::testing::TempPgSchema;

namespace {

const std::set<std::string> kSqliteOnlyTables = {"id_sequence"};
const std::set<std::string> kPostgresOnlyTables = {"schema_version"};

struct Schema {
  std::set<std::string> tables;  // all of them, bookkeeping included
  std::set<std::string> facts;   // of the tables both have
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// Runs of whitespace become one space; none at either end.
std::string squash(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The index of the ')' closing the '(' at `open`, skipping quoted text; npos if none.
std::size_t closing_paren(const std::string& s, std::size_t open) {
  int depth = 0;
  char quote = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i;
    }
  }
  return std::string::npos;
}

// Drops parentheses that enclose the whole expression.
std::string strip_parens(std::string s) {
  while (s.size() >= 2 && s.front() == '(' && closing_paren(s, 0) == s.size() - 1) {
    s = squash(s.substr(1, s.size() - 2));
  }
  return s;
}

// Splits a list at the commas outside quotes; items trimmed.
std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> items(1);
  char quote = 0;
  for (char c : s) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'') {
      quote = c;
    } else if (c == ',') {
      items.emplace_back();
      continue;
    }
    items.back() += c;
  }
  for (auto& item : items) item = squash(item);
  return items;
}

// A CHECK expression in the one spelling both sides are compared in.
std::string normalize_check(const std::string& expression) {
  const std::string e = strip_parens(squash(expression));
  static const std::regex pg_any(R"(^(\w+) = ANY \(ARRAY\[(.*)\]\)$)");
  static const std::regex sql_in(R"(^(\w+) IN \((.*)\)$)", std::regex::icase);
  static const std::regex text_cast(R"(^('.*')::text$)");
  std::smatch m;
  if (!std::regex_match(e, m, pg_any) && !std::regex_match(e, m, sql_in)) return e;
  std::vector<std::string> items = split_list(m[2].str());
  for (auto& item : items) {
    std::smatch literal;
    if (std::regex_match(item, literal, text_cast)) item = literal[1].str();
  }
  return m[1].str() + " IN (" + join(items) + ")";
}

// An index key column or expression, in the one spelling both sides use.
std::string normalize_pg_key(const std::string& key) {
  static const std::regex lower_c(R"(^lower\(\(?(\w+)(?:\)?::text)? COLLATE "C"\)?\)$)");
  std::smatch m;
  if (std::regex_match(key, m, lower_c)) return "lower(" + m[1].str() + ")";
  return key;
}

std::string column_fact(const std::string& table, int position, const std::string& name,
                        const std::string& type, bool not_null) {
  return table + " column " + std::to_string(position) + " " + name + " " + type +
         (not_null ? " not null" : " null");
}

std::string index_fact(const std::string& table, const std::string& name, bool unique,
                       const std::vector<std::string>& keys, const std::string& predicate) {
  return table + " index " + name + (unique ? " unique" : "") + " (" + join(keys) + ")" +
         (predicate.empty() ? "" : " where " + strip_parens(squash(predicate)));
}

// ---- SQLite -----------------------------------------------------------------

std::string sqlite_type(std::string type) {
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (type == "INTEGER") return "int64";
  if (type == "TEXT") return "text";
  return "sqlite:" + type;
}

// The expressions of every CHECK in a CREATE TABLE statement, column and table ones.
std::vector<std::string> sqlite_checks(const std::string& create) {
  std::vector<std::string> checks;
  static const std::regex keyword(R"(\bCHECK\s*\()", std::regex::icase);
  char quote = 0;
  for (std::size_t i = 0; i < create.size(); ++i) {
    const char c = create[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    std::smatch m;
    const std::string rest = create.substr(i);
    if (std::regex_search(rest, m, keyword, std::regex_constants::match_continuous) &&
        (i == 0 ||
         !(std::isalnum(static_cast<unsigned char>(create[i - 1])) || create[i - 1] == '_'))) {
      const std::size_t open = i + static_cast<std::size_t>(m.length(0)) - 1;
      const std::size_t close = closing_paren(create, open);
      REQUIRE(close != std::string::npos);
      checks.push_back(create.substr(open + 1, close - open - 1));
      i = close;
    }
  }
  return checks;
}

// The WHERE clause of a CREATE INDEX statement, or "".
std::string sqlite_index_predicate(const std::string& create) {
  const std::size_t open = create.find('(');
  REQUIRE(open != std::string::npos);
  const std::size_t close = closing_paren(create, open);
  REQUIRE(close != std::string::npos);
  static const std::regex where(R"(^\s*WHERE\s+([\s\S]*?)\s*;?\s*$)", std::regex::icase);
  std::smatch m;
  const std::string rest = create.substr(close + 1);
  if (std::regex_match(rest, m, where)) return m[1].str();
  REQUIRE(squash(rest).empty());
  return "";
}

Schema read_sqlite(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  Schema schema;
  std::vector<std::pair<std::string, std::string>> tables;
  SQLite::Statement list(db,
                         "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                         "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name");
  while (list.executeStep()) {
    schema.tables.insert(list.getColumn(0).getString());
    tables.emplace_back(list.getColumn(0).getString(), list.getColumn(1).getString());
  }
  for (const auto& [table, create] : tables) {
    if (kSqliteOnlyTables.count(table)) continue;
    schema.facts.insert(table + " table");

    std::vector<std::pair<int, std::string>> pk;
    SQLite::Statement columns(db,
                              "SELECT cid, name, type, \"notnull\", pk FROM pragma_table_info(?) "
                              "ORDER BY cid");
    columns.bind(1, table);
    while (columns.executeStep()) {
      const int pk_index = columns.getColumn(4).getInt();
      const std::string name = columns.getColumn(1).getString();
      schema.facts.insert(column_fact(table, columns.getColumn(0).getInt() + 1, name,
                                      sqlite_type(columns.getColumn(2).getString()),
                                      columns.getColumn(3).getInt() != 0 || pk_index > 0));
      if (pk_index > 0) pk.emplace_back(pk_index, name);
    }
    std::sort(pk.begin(), pk.end());
    std::vector<std::string> pk_columns;
    for (const auto& [n, name] : pk) pk_columns.push_back(name);
    if (!pk_columns.empty()) schema.facts.insert(table + " primary key (" + join(pk_columns) + ")");

    for (const auto& check : sqlite_checks(create)) {
      schema.facts.insert(table + " check " + normalize_check(check));
    }

    SQLite::Statement indexes(db,
                              "SELECT l.name, l.\"unique\", l.origin, m.sql "
                              "FROM pragma_index_list(?) l "
                              "LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name "
                              "ORDER BY l.name");
    indexes.bind(1, table);
    while (indexes.executeStep()) {
      const std::string name = indexes.getColumn(0).getString();
      const std::string origin = indexes.getColumn(2).getString();
      std::vector<std::string> keys;
      SQLite::Statement info(db,
                             "SELECT name, \"desc\", coll, cid FROM pragma_index_xinfo(?) "
                             "WHERE key = 1 ORDER BY seqno");
      info.bind(1, name);
      while (info.executeStep()) {
        INFO("index " << name);
        REQUIRE(info.getColumn(3).getInt() >= 0);  // an expression: teach this test to read it
        const std::string column = info.getColumn(0).getString();
        const std::string coll = info.getColumn(2).getString();
        std::string key = coll == "NOCASE"   ? "lower(" + column + ")"
                          : coll == "BINARY" ? column
                                             : column + " COLLATE " + coll;
        if (info.getColumn(1).getInt()) key += " DESC";
        keys.push_back(key);
      }
      if (origin == "pk") continue;  // the primary key, read above
      if (origin == "u") {
        schema.facts.insert(table + " unique (" + join(keys) + ")");
        continue;
      }
      schema.facts.insert(index_fact(table, name, indexes.getColumn(1).getInt() != 0, keys,
                                     sqlite_index_predicate(indexes.getColumn(3).getString())));
    }
  }
  return schema;
}

// ---- PostgreSQL -------------------------------------------------------------

std::string pg_type(const std::string& type) {
  if (type == "bigint") return "int64";
  if (type == "text") return "text";
  return "postgres:" + type;
}

Schema read_postgres(const std::string& uri) {
  pqxx::connection c(uri);
  pqxx::nontransaction tx(c);
  Schema schema;
  for (const auto& row :
       tx.exec("SELECT table_name FROM information_schema.tables "
               "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")) {
    schema.tables.insert(row[0].as<std::string>());
  }
  for (const auto& table : schema.tables) {
    if (kPostgresOnlyTables.count(table)) continue;
    schema.facts.insert(table + " table");
    for (const auto& row :
         tx.exec_params("SELECT ordinal_position, column_name, data_type, is_nullable "
                        "FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = $1",
                        table)) {
      schema.facts.insert(column_fact(table, row[0].as<int>(), row[1].as<std::string>(),
                                      pg_type(row[2].as<std::string>()),
                                      row[3].as<std::string>() == "NO"));
    }
    // Primary key, unique and CHECK constraints, with their columns in key order.
    for (const auto& row : tx.exec_params(
             "SELECT c.contype, pg_get_constraintdef(c.oid, true), "
             "  coalesce((SELECT string_agg(a.attname, ', ' ORDER BY k.n) "
             "   FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
             "   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), '') "
             "FROM pg_constraint c "
             "WHERE c.conrelid = to_regclass($1) AND c.contype IN ('p', 'u', 'c')",
             table)) {
      const std::string type = row[0].as<std::string>();
      const std::string columns = row[2].as<std::string>();
      if (type == "p") {
        schema.facts.insert(table + " primary key (" + columns + ")");
      } else if (type == "u") {
        schema.facts.insert(table + " unique (" + columns + ")");
      } else {
        const std::string def = row[1].as<std::string>();
        INFO(def);
        REQUIRE(def.rfind("CHECK ", 0) == 0);
        schema.facts.insert(table + " check " + normalize_check(def.substr(6)));
      }
    }
    // Indexes other than those behind a primary key or unique constraint
    // (read above), one row per key column in order.
    std::string current;
    bool unique = false;
    std::string predicate;
    std::vector<std::string> keys;
    auto flush = [&] {
      if (!current.empty()) {
        schema.facts.insert(index_fact(table, current, unique, keys, predicate));
      }
      keys.clear();
    };
    for (const auto& row : tx.exec_params(
             "SELECT ic.relname, i.indisunique, coalesce(pg_get_expr(i.indpred, i.indrelid, "
             "true), ''), pg_get_indexdef(i.indexrelid, k, true), (i.indoption[k - 1] & 1) = 1 "
             "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
             "CROSS JOIN generate_series(1, i.indnkeyatts) AS k "
             "WHERE i.indrelid = to_regclass($1) AND NOT EXISTS ("
             "  SELECT 1 FROM pg_constraint c "
             "  WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u')) "
             "ORDER BY ic.relname, k",
             table)) {
      const std::string name = row[0].as<std::string>();
      if (name != current) {
        flush();
        current = name;
        unique = row[1].as<bool>();
        predicate = row[2].as<std::string>();
      }
      keys.push_back(normalize_pg_key(row[3].as<std::string>()) +
                     (row[4].as<bool>() ? " DESC" : ""));
    }
    flush();
  }
  return schema;
}

std::vector<std::string> only_in(const std::set<std::string>& a, const std::set<std::string>& b,
                                 const std::string& label) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  for (auto& fact : out) fact = label + fact;
  return out;
}

}  // namespace

TEST_CASE("the SQLite and PostgreSQL schemas describe the same tables, constraints and indexes",
          "[postgres][schema]") {
  if (!testing::pg_test_uri()) {
    ORDERSTATE_SKIP(
        "ORDERSTATE_TEST_PG_URI is unset: no PostgreSQL server (run it with "
        "tests/run-with-pg.sh)");
  }
  TempDb file;
  open_or_die(SqliteOptions{file.path()}).reset();
  TempPgSchema pg(testing::pg_test_uri());
  PostgresOptions options;
  options.uri = pg.uri();
  open_or_die(options).reset();

  const Schema sqlite = read_sqlite(file.path());
  const Schema postgres = read_postgres(pg.uri());

  // The tables, bookkeeping included.
  CHECK(sqlite.tables == std::set<std::string>{"account_streams", "executions", "id_sequence",
                                               "order_events", "orders", "positions"});
  CHECK(postgres.tables == std::set<std::string>{"account_streams", "executions", "order_events",
                                                 "orders", "positions", "schema_version"});

  // The readers and the mapping work: facts of each kind, read on both sides.
  const std::vector<std::string> known = {
      "orders table",
      "orders column 1 seq int64 not null",
      "orders primary key (seq)",
      "orders check status IN ('OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED', "
      "'REJECTED', 'CLOSED', 'PENDING_NEW', 'PENDING_CANCEL', 'REPLACED', 'PENDING_REPLACE')",
      "orders column 22 replaced_by text null",
      "orders column 20 pending_since text null",
      "orders index orders_by_expiry (expire_at) where expire_at IS NOT NULL",
      "orders column 19 average_fill_price text null",
      "executions primary key (account_id, exec_id)",
      "orders index orders_by_client_id unique (account_id, client_order_id) "
      "where client_order_id IS NOT NULL",
      "orders index orders_by_symbol (account_id, lower(symbol), seq)",
      "order_events column 4 from_status text null",
      "order_events primary key (id)",
      "order_events index order_events_by_account unique (account_id, seq)",
      "account_streams primary key (account_id)",
  };
  for (const auto& fact : known) {
    INFO(fact);
    CHECK(sqlite.facts.count(fact) == 1);
    CHECK(postgres.facts.count(fact) == 1);
  }

  // And the comparison itself: no fact on one side only.
  std::vector<std::string> differences = only_in(sqlite.facts, postgres.facts, "SQLite only: ");
  const auto pg_only = only_in(postgres.facts, sqlite.facts, "PostgreSQL only: ");
  differences.insert(differences.end(), pg_only.begin(), pg_only.end());
  CHECK(differences == std::vector<std::string>{});
}

#else

TEST_CASE("the SQLite and PostgreSQL schemas describe the same tables, constraints and indexes",
          "[postgres][schema]") {
  ORDERSTATE_SKIP("built with ORDERSTATE_WITH_POSTGRES=OFF: no PostgreSQL schema to compare");
}

#endif
