// PostgresStore: the Store on PostgreSQL, for several `kelola server`
// replicas sharing one database (OpenPostgresStore() in store.h makes one
// with default options). Same contract and conformance suite as SQLite.
//
// How the contract holds with many processes:
// - resource writes take the `resource_version` counter row lock first, so
//   they are serialized across replicas: versions are store-wide and
//   strictly increasing, and an optimistic-concurrency check sees every
//   write committed before it;
// - event ids come from the `event_id` counter row, locked until commit, so
//   ids become visible in commit order (postgres_event_feed.h);
// - Subscribe() sees every replica's events: a trigger NOTIFYs on each
//   insert and a listener thread per store reads the new rows in id order,
//   catching up after a reconnect so nothing is missed (a new subscriber
//   may also get other replicas' events committed just before it
//   subscribed, whose notification had not arrived yet: harmless to the
//   subscribe-then-list pattern, where duplicates are skipped by id);
// - a fenced write locks the lease row FOR SHARE before anything else, so a
//   takeover of the lease waits until the write committed, and a write after
//   the takeover sees the new token and fails.
//
// Connections: a pool of `pool_size` (made on demand) plus one listening.
// When PostgreSQL is down, calls fail fast with Unavailable (the API answers
// 503); the store reconnects by itself once it is back. Serialization
// failures and deadlocks, and a connection found dead before COMMIT was
// sent, are retried a few times on a fresh connection.
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

struct PostgresStoreOptions {
  int pool_size = 8;
  // Listen for other processes' events (off only for tools that never
  // Subscribe, e.g. a one-shot migration).
  bool listen = true;
};

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, Clock& clock,
                                                 const PostgresStoreOptions& options);

// True for the URLs that select PostgreSQL in the `store` setting.
bool IsPostgresUrl(const std::string& url);

}  // namespace kelola
