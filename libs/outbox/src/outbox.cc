#include "ipraktik/outbox/outbox.h"

#include "absl/strings/str_cat.h"

namespace ipraktik::outbox {

std::string StreamKey(const store::TenantKeys& keys, std::string_view publisher) {
  return keys.Key("outbox", publisher);
}

std::string DeadLetterKey(const store::TenantKeys& keys, std::string_view publisher) {
  return absl::StrCat(StreamKey(keys, publisher), ":dead");
}

std::string LeaseKey(const store::TenantKeys& keys, std::string_view publisher) {
  return absl::StrCat(StreamKey(keys, publisher), ":lease");
}

Outbox::Outbox(store::Pool& redis, std::string publisher)
    : redis_(redis), publisher_(std::move(publisher)) {}

absl::StatusOr<events::PreparedEventScript> Outbox::Prepare(std::string_view tenant,
                                                            Change& change) {
  absl::StatusOr<store::TenantKeys> keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  events::EventScriptCall call;
  call.keys = std::move(change.keys);
  call.args = std::move(change.args);
  call.stream_key = StreamKey(*keys, publisher_);
  call.events = std::move(change.events);
  return events::PrepareEventScript(std::move(call));
}

absl::StatusOr<events::ScriptOutcome> Outbox::Commit(const events::EventScript& script,
                                                     std::string_view tenant,
                                                     const Change& change) {
  return Commit(script, tenant, Change(change));
}

absl::StatusOr<events::ScriptOutcome> Outbox::Commit(const events::EventScript& script,
                                                     std::string_view tenant, Change&& change) {
  const std::string owner(tenant);
  std::vector<absl::StatusOr<events::ScriptOutcome>> outcomes =
      CommitMany(script, std::span(&owner, 1), std::span(&change, 1));
  return std::move(outcomes.front());
}

std::vector<absl::StatusOr<events::ScriptOutcome>> Outbox::CommitMany(
    const events::EventScript& script, std::span<const std::string> tenants,
    std::span<Change> changes) {
  std::vector<absl::StatusOr<events::ScriptOutcome>> outcomes(changes.size());
  store::Pipeline pipeline;
  std::vector<std::size_t> sent;  // the changes in the pipeline, in its order
  store::Retry retry = store::Retry::kIdempotent;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const bool emits = !changes[i].events.empty();
    absl::StatusOr<events::PreparedEventScript> prepared = Prepare(tenants[i], changes[i]);
    if (!prepared.ok()) {
      outcomes[i] = prepared.status();
      continue;
    }
    if (emits) {
      if (absl::Status registered = Register(tenants[i]); !registered.ok()) {
        outcomes[i] = registered;
        continue;
      }
    }
    pipeline.AddScript(script.script(), std::move(prepared->keys), std::move(prepared->args));
    sent.push_back(i);
    // The whole pipeline may be sent again only if every call in it may.
    if (prepared->retry == store::Retry::kNever) retry = store::Retry::kNever;
  }
  if (sent.empty()) return outcomes;
  absl::StatusOr<std::vector<store::Reply>> replies = redis_.Execute(pipeline, retry);
  for (std::size_t j = 0; j < sent.size(); ++j) {
    const std::size_t i = sent[j];
    if (!replies.ok()) {
      outcomes[i] = replies.status();
      continue;
    }
    outcomes[i] = events::EventScriptOutcome(std::move((*replies)[j]));
  }
  return outcomes;
}

absl::Status Outbox::CommitWrites(std::string_view tenant, Writes writes) {
  absl::StatusOr<store::TenantKeys> keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const bool emits = !writes.events.empty();
  absl::StatusOr<std::vector<std::vector<std::string>>> transaction =
      events::PrepareEventWrites({.commands = std::move(writes.commands),
                                  .stream_key = StreamKey(*keys, publisher_),
                                  .events = writes.events});
  if (!transaction.ok()) return transaction.status();
  if (transaction->empty()) return absl::OkStatus();
  if (emits) {
    if (absl::Status registered = Register(std::string(tenant)); !registered.ok()) {
      return registered;
    }
  }
  store::Pipeline pipeline;
  for (std::vector<std::string>& command : *transaction) pipeline.Add(std::move(command));
  absl::StatusOr<std::vector<store::Reply>> replies =
      redis_.Execute(pipeline, store::Retry::kNever);
  if (!replies.ok()) return replies.status();
  return events::EventWritesOutcome(replies->back());
}

absl::Status Outbox::Register(const std::string& tenant) {
  {
    std::lock_guard lock(mutex_);
    if (registered_.contains(tenant)) return absl::OkStatus();
  }
  // Before the tenant's first event, so that the registry names every outbox stream there is:
  // the relay needs no keyspace scan to find them. Should the commit then fail, the registry
  // names a tenant without events, which costs the relay one XLEN per pass.
  absl::StatusOr<store::Reply> added =
      redis_.Command({"SADD", kTenantRegistryKey, tenant}, store::Retry::kIdempotent);
  if (!added.ok()) return added.status();
  if (absl::Status status = added->ToStatus(); !status.ok()) return status;
  std::lock_guard lock(mutex_);
  registered_.insert(tenant);
  return absl::OkStatus();
}

}  // namespace ipraktik::outbox
