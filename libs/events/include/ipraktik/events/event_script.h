#pragma once

// A service's Lua state change, run in one atomic step together with the events the change
// produces: appended (XADD) to the tenant's outbox stream when the body succeeded, where the
// outbox relay (libs/outbox) picks them up. (A consumer's dedupe is the event router's claim,
// events::ProcessedEvents, before the handler runs.)
// "Succeeded" means the body returned anything but redis.error_reply(...). A Redis script is
// atomic but not transactional: writes done before a runtime error stay. So a body checks its
// input first and writes last, and refuses with an error reply whose first word is a status code
// (store::ErrorReplyToStatus), e.g. `return redis.error_reply('FAILED_PRECONDITION round closed')`.
//
// The body sees its own KEYS and ARGV only, exactly as the caller passed them (the wrapper takes
// its trailing keys and arguments off first). It may call skip_events() to emit nothing, e.g.
// when a repeated request turned out to change nothing.
//
// Services rarely call RunEventScript directly: outbox::Outbox::Commit (libs/outbox) stores a
// change with its events.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/store/connection.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/store/reply.h"

namespace ipraktik::events {

// The fields of an outbox stream entry: the envelope's id, its type, and the serialized envelope.
inline constexpr std::string_view kEntryIdField = "id";
inline constexpr std::string_view kEntryTypeField = "type";
inline constexpr std::string_view kEntryEnvelopeField = "envelope";

class EventScript {
 public:
  explicit EventScript(std::string_view body);
  EventScript(const EventScript&) = delete;
  EventScript& operator=(const EventScript&) = delete;

  const store::Script& script() const { return script_; }

 private:
  store::Script script_;
};

// Every member has a default, so designated initializers may leave any out.
struct EventScriptCall {
  std::vector<std::string> keys{};
  std::vector<std::string> args{};
  // Events appended to stream_key when the body succeeded; each must be valid and belong to
  // the tenant of stream_key.
  std::string stream_key{};
  std::span<const Envelope> events{};
};

struct ScriptOutcome {
  // What the body returned.
  store::Reply reply{};
};

// Runs the script. Every key (the body's and the stream key) must belong to one tenant, so that
// all of them share a hash slot (INVALID_ARGUMENT otherwise). A body's error reply becomes a
// status (store::ErrorReplyToStatus). It is not sent again after a broken connection: running
// it twice could change twice.
absl::StatusOr<ScriptOutcome> RunEventScript(store::Pool& redis, const EventScript& script,
                                             const EventScriptCall& call);

// RunEventScript in two halves, for callers that send many calls in one pipeline
// (store::Pipeline::AddScript): the checked call as the EVALSHA's keys and arguments, and what
// its reply means.
struct PreparedEventScript {
  std::vector<std::string> keys;
  std::vector<std::string> args;
  // Never sent again after a broken connection (running it twice could change twice).
  store::Retry retry = store::Retry::kNever;
};
absl::StatusOr<PreparedEventScript> PrepareEventScript(EventScriptCall call);
absl::StatusOr<ScriptOutcome> EventScriptOutcome(store::Reply reply);

// A change with nothing to check and nothing to refuse (the matching service's publication
// batches): plain write commands and the XADDs of its events in one MULTI/EXEC, no Lua at all. A
// transaction is as atomic as a script (no other client runs in between; the AOF keeps it whole
// or not at all) and the entries are the same. The reason is cost: Redis's Lua hashes every byte
// of every string it is given, and unpacking the values into a command copies them again; a
// publication's records and events are nearly all of its bytes (docs/benchmarks.md).
struct EventWrites {
  // Each command names its one key second (HSET key ..., HDEL key ...); every key must belong
  // to the tenant of stream_key.
  std::vector<std::vector<std::string>> commands{};
  std::string stream_key{};
  std::span<const SealedEvent> events{};
};
// The transaction, checked as PrepareEventScript checks a script's call: MULTI, the commands,
// an XADD per event, EXEC. Never sent again after a broken connection (the XADDs would repeat).
absl::StatusOr<std::vector<std::vector<std::string>>> PrepareEventWrites(EventWrites writes);
// What the EXEC's reply means. A command that fails inside the transaction (a key of the wrong
// type: a bug) does not undo the others, which MULTI cannot roll back: INTERNAL, naming it.
absl::Status EventWritesOutcome(const store::Reply& exec_reply);

}  // namespace ipraktik::events
