#pragma once

// The transactional outbox, writing side: a service's change and the events describing it are
// stored in one atomic Lua script (the change plus an XADD of each envelope to the publishing
// service's outbox stream of the tenant, ipraktik:{<tenant>}:outbox:<publisher>), or, for a
// change with nothing to check, in one MULTI/EXEC of plain commands (CommitWrites), so an event
// is never published for a change that was not stored, and never lost for one that was. The relay
// (relay.h) of the same publisher publishes the stream. Each service has an outbox of its own so
// that its relay publishes only its own event types: the broker lets each service's user publish
// only those, and Redis lets it write only its own outbox (docs/security.md, "Transport").
//
//   events::EventScript register_(R"lua(               // a member of the repository
//     if redis.call('EXISTS', KEYS[1]) == 1 then
//       return redis.error_reply('ALREADY_EXISTS participant ' .. ARGV[1])
//     end
//     redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2])
//     return 1
//   )lua");
//   outbox::Outbox outbox(redis, "registration");
//   auto registered = events::BuildEnvelope({.type = "registration.participant.registered",
//                                            .tenant = tenant, .correlation_id = cid}, payload);
//   auto outcome = outbox.Commit(register_, tenant, {.keys = {participant_key},
//                                                    .args = {id, name},
//                                                    .events = {*registered}});

#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::outbox {

// Every tenant that ever had an outbox entry. Outside any hash tag (it spans tenants), so it
// cannot be written in the script: a tenant is added before its first commit with events. The
// relay also SCANs, slowly, for streams the registry misses (one lost or written before this).
inline constexpr std::string_view kTenantRegistryKey = "ipraktik:outbox:tenants";

// ipraktik:{<tenant>}:outbox:<publisher>, the stream of a tenant's unpublished events of one
// publisher (a service's name, e.g. "registration": [a-z0-9-]+).
std::string StreamKey(const store::TenantKeys& keys, std::string_view publisher);
// ipraktik:{<tenant>}:outbox:<publisher>:dead, entries the relay could not read (with the reason).
std::string DeadLetterKey(const store::TenantKeys& keys, std::string_view publisher);
// ipraktik:{<tenant>}:outbox:<publisher>:lease, the relay replica serving the stream.
std::string LeaseKey(const store::TenantKeys& keys, std::string_view publisher);

// Every member has a default, so designated initializers may leave any out.
struct Change {
  std::vector<std::string> keys{};
  std::vector<std::string> args{};
  // Appended to the tenant's outbox when the script succeeds (and did not call skip_events()).
  std::vector<events::Envelope> events{};
};

// A change with nothing to check (events::EventWrites): plain write commands, each naming its
// key second, and the events they produce.
struct Writes {
  std::vector<std::vector<std::string>> commands{};
  std::vector<events::SealedEvent> events{};
};

class Outbox {
 public:
  // redis must outlive this object. Thread-safe. publisher names the service whose events go
  // in (its relay is made with the same name).
  Outbox(store::Pool& redis, std::string publisher);

  const std::string& publisher() const { return publisher_; }

  // Runs script's body with change.keys and change.args and appends change.events to the outbox
  // of tenant, atomically (events::RunEventScript says what the body may do). Every key and
  // event must belong to tenant. The body's error reply comes back as a status.
  absl::StatusOr<events::ScriptOutcome> Commit(const events::EventScript& script,
                                               std::string_view tenant, const Change& change);
  // The same, taking the change's keys, args and events (no copy of big records and envelopes).
  absl::StatusOr<events::ScriptOutcome> Commit(const events::EventScript& script,
                                               std::string_view tenant, Change&& change);

  // Many commits in one round trip: changes[i] of tenants[i], each atomic on its own (not with
  // the others), outcomes in the same order. A broken connection fails every commit with the
  // same status (whether a commit without dedupe ran is then unknown, as with Commit). The
  // changes' keys, args and events are moved out (they are big: records and envelopes).
  std::vector<absl::StatusOr<events::ScriptOutcome>> CommitMany(
      const events::EventScript& script, std::span<const std::string> tenants,
      std::span<Change> changes);

  // Runs writes.commands and appends writes.events to the outbox of tenant in one MULTI/EXEC
  // (events::PrepareEventWrites), no Lua: for a change that never refuses, whose bytes are
  // many. Every key and event must belong to tenant.
  absl::Status CommitWrites(std::string_view tenant, Writes writes);

 private:
  absl::StatusOr<events::PreparedEventScript> Prepare(std::string_view tenant, Change& change);
  // Adds tenant to kTenantRegistryKey, once per process and tenant.
  absl::Status Register(const std::string& tenant);

  store::Pool& redis_;
  const std::string publisher_;
  std::mutex mutex_;
  std::set<std::string> registered_;
};

}  // namespace ipraktik::outbox
