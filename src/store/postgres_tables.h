// The SQL of the PostgreSQL store, one small function per statement, so
// postgres_store.cc holds only the Store logic (internal to src/store).
//
// Every function runs on the caller's connection, inside the caller's
// transaction when there is one, and returns PgConnection::Exec's errors.
// Locking notes are with the functions that take row locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/postgres_connection.h"
#include "store/store.h"

namespace kelola {

Result<std::optional<Resource>> PgFindResource(PgConnection& conn, const std::string& kind, const std::string& name);
// One page of a kind's resources by name, names > after_name.
Result<std::vector<Resource>> PgListResourcePage(PgConnection& conn, const std::string& kind,
                                                 const std::string& after_name, int limit);
Status PgUpsertResource(PgConnection& conn, const Resource& resource);
Status PgDeleteResourceRow(PgConnection& conn, const std::string& kind, const std::string& name);
// Bumps the store-wide resource version. Locks the counter row until the
// transaction ends: resource writes are serialized across replicas.
Result<int64_t> PgNextResourceVersion(PgConnection& conn);

// Inserts `event` with the next event id (and returns it with the id).
// Locks the event_id counter row until the transaction ends: ids become
// visible in the order they were assigned (see postgres_event_feed.h).
Result<Event> PgInsertEvent(PgConnection& conn, Event event);
Result<std::vector<Event>> PgListEvents(PgConnection& conn, const EventFilter& filter, int limit);
Result<int64_t> PgLastEventId(PgConnection& conn);

// Returns false when a token with this id exists.
Result<bool> PgInsertToken(PgConnection& conn, const ApiToken& token, WallTime created_at);
Result<std::optional<ApiToken>> PgFindToken(PgConnection& conn, const std::string& id);
Result<std::vector<ApiToken>> PgListTokens(PgConnection& conn);
// Returns false when there is no such token.
Result<bool> PgRevokeToken(PgConnection& conn, const std::string& id);

enum class PgRowLock { kShare, kUpdate, kUpdateOrCreate };
// Reads a lease and locks its row: kShare for a fenced write (a takeover
// waits until the write committed), kUpdate to change it. kUpdateOrCreate
// first inserts a missing row as a free placeholder (holder '', token 0) so
// that two replicas racing for a new lease queue on one row lock; the
// caller's update replaces it before commit.
Result<std::optional<Lease>> PgLockLease(PgConnection& conn, const std::string& name, PgRowLock lock);
Status PgUpdateLease(PgConnection& conn, const Lease& lease);
Result<std::vector<Lease>> PgListLeases(PgConnection& conn);

}  // namespace kelola
