#include "ipraktik/outbox/outbox.h"

#include "absl/strings/str_cat.h"

namespace ipraktik::outbox {

std::string StreamKey(const store::TenantKeys& keys) { return keys.Key("outbox"); }

std::string DeadLetterKey(const store::TenantKeys& keys) { return keys.Key("outbox", "dead"); }

Outbox::Outbox(store::Pool& redis) : redis_(redis) {}

absl::StatusOr<events::ScriptOutcome> Outbox::Commit(const events::EventScript& script,
                                                     std::string_view tenant,
                                                     const Change& change) {
  absl::StatusOr<store::TenantKeys> keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  if ((change.processed == nullptr) != (change.consumed == nullptr)) {
    return absl::InvalidArgumentError("outbox: set both processed and consumed, or neither");
  }
  events::EventScriptCall call;
  call.keys = change.keys;
  call.args = change.args;
  call.stream_key = StreamKey(*keys);
  call.events = change.events;
  if (change.processed != nullptr) {
    absl::StatusOr<std::string> dedupe_key = change.processed->Key(*change.consumed);
    if (!dedupe_key.ok()) return dedupe_key.status();
    call.dedupe_key = *std::move(dedupe_key);
    call.dedupe_ttl = change.processed->retention();
  }
  absl::StatusOr<events::ScriptOutcome> outcome = events::RunEventScript(redis_, script, call);
  if (outcome.ok() && !outcome->duplicate && !change.events.empty()) Register(keys->tenant());
  return outcome;
}

void Outbox::Register(const std::string& tenant) {
  {
    std::lock_guard lock(mutex_);
    if (registered_.contains(tenant)) return;
  }
  // The change is stored by now, so a failure here must not fail the commit: the relay's
  // periodic SCAN finds the stream, and the next commit tries again.
  absl::StatusOr<store::Reply> added =
      redis_.Command({"SADD", kTenantRegistryKey, tenant}, store::Retry::kIdempotent);
  if (added.ok()) {
    std::lock_guard lock(mutex_);
    registered_.insert(tenant);
  }
}

}  // namespace ipraktik::outbox
