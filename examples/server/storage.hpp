// open_repository: the storage behind orderstate-server, chosen by --db. A
// libpq URI (postgresql://..., postgres://...) opens PostgresRepository
// (when built with orderstate::postgres); anything else is a SQLite path.
#pragma once

#include <memory>
#include <string>

#include "flags.hpp"
#include "orderstate/repository.hpp"

namespace orderstate::server {

// True when --db names a PostgreSQL database rather than a SQLite file.
bool is_postgres_uri(const std::string& db);

// The stream workers (EdgeOptions::background_threads): --stream-threads,
// else 1 (4 on PostgreSQL, whose reads wait on the network).
int stream_threads(const Flags& flags);

// Opens the repository --db names; nullptr with `error` set when it cannot.
// PostgreSQL: a pool of --threads read connections; --durability does not
// apply (synchronous_commit stays on). A server that is unreachable at
// startup is retried for up to 30 s (a message once; SIGINT/SIGTERM end the
// wait), then given up on.
std::unique_ptr<Repository> open_repository(const Flags& flags, std::string& error);

}  // namespace orderstate::server
