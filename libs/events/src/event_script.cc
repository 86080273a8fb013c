#include "ipraktik/events/event_script.h"

#include <optional>
#include <span>

#include "absl/strings/str_cat.h"
#include "ipraktik/store/keys.h"

namespace ipraktik::events {
namespace {

// Trailing ARGV: per event id, type, envelope; then the event count. Trailing KEYS: the stream
// key (when there are events). They are taken off in reverse order.
constexpr std::string_view kPrelude = R"lua(
local ipraktik_event_count = tonumber(table.remove(ARGV))
local ipraktik_stream_key = false
if ipraktik_event_count > 0 then ipraktik_stream_key = table.remove(KEYS) end
local ipraktik_events = {}
for i = ipraktik_event_count, 1, -1 do
  local envelope = table.remove(ARGV)
  local event_type = table.remove(ARGV)
  local id = table.remove(ARGV)
  ipraktik_events[i] = {id, event_type, envelope}
end
local ipraktik_emit = true
local function skip_events() ipraktik_emit = false end
local ipraktik_result = (function()
)lua";

constexpr std::string_view kEpilogue = R"lua(
end)()
if type(ipraktik_result) == 'table' and ipraktik_result.err then return ipraktik_result end
if ipraktik_emit then
  for _, event in ipairs(ipraktik_events) do
    redis.call('XADD', ipraktik_stream_key, '*',
               'id', event[1], 'type', event[2], 'envelope', event[3])
  end
end
return ipraktik_result
)lua";

absl::string_view View(std::string_view text) { return {text.data(), text.size()}; }

// The one tenant whose keys these are (one tenant's keys share a hash slot: the condition for
// one atomic step on a cluster; "" for no keys), or INVALID_ARGUMENT naming what is not.
absl::StatusOr<std::string> TenantOfKeys(std::string_view step,
                                         std::span<const std::string* const> keys) {
  std::optional<std::string> tenant;
  for (const std::string* key : keys) {
    std::optional<std::string> owner = store::TenantOfKey(*key);
    if (!owner.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(View(step), ": key \"", *key, "\" is not a tenant key"));
    }
    if (tenant.has_value() && *owner != *tenant) {
      return absl::InvalidArgumentError(
          absl::StrCat(View(step), ": keys of tenants ", *tenant, " and ", *owner, " in one step"));
    }
    tenant = std::move(owner);
  }
  return tenant.value_or("");
}

absl::Status CheckTenant(std::string_view step, std::string_view event_id,
                         std::string_view event_tenant, std::string_view tenant) {
  if (event_tenant == tenant) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(View(step), ": event ", View(event_id),
                                                 " of tenant ", View(event_tenant),
                                                 " cannot go to the outbox of ", View(tenant)));
}

}  // namespace

EventScript::EventScript(std::string_view body)
    : script_(absl::StrCat(View(kPrelude), View(body), View(kEpilogue))) {}

absl::StatusOr<PreparedEventScript> PrepareEventScript(EventScriptCall call) {
  constexpr std::string_view kStep = "event script";
  const bool emits = !call.events.empty();
  if (emits && call.stream_key.empty()) {
    return absl::InvalidArgumentError("event script: events to emit but no stream key");
  }
  std::vector<std::string> keys = std::move(call.keys);
  if (emits) keys.push_back(call.stream_key);
  std::vector<const std::string*> checked;
  for (const std::string& key : keys) checked.push_back(&key);
  absl::StatusOr<std::string> tenant = TenantOfKeys(kStep, checked);
  if (!tenant.ok()) return tenant.status();

  std::vector<std::string> args = std::move(call.args);
  for (const Envelope& event : call.events) {
    if (absl::Status status = ValidateEnvelope(event); !status.ok()) return status;
    if (absl::Status status = CheckTenant(kStep, event.id(), event.tenant(), *tenant);
        !status.ok()) {
      return status;
    }
    args.push_back(event.id());
    args.push_back(event.type());
    args.push_back(event.SerializeAsString());
  }
  args.push_back(absl::StrCat(call.events.size()));
  return PreparedEventScript{
      .keys = std::move(keys), .args = std::move(args), .retry = store::Retry::kNever};
}

absl::StatusOr<ScriptOutcome> EventScriptOutcome(store::Reply reply) {
  if (reply.is_error()) return reply.ToStatus();
  return ScriptOutcome{.reply = std::move(reply)};
}

absl::StatusOr<std::vector<std::vector<std::string>>> PrepareEventWrites(EventWrites writes) {
  constexpr std::string_view kStep = "event writes";
  if (!writes.events.empty() && writes.stream_key.empty()) {
    return absl::InvalidArgumentError("event writes: events to append but no stream key");
  }
  std::vector<const std::string*> keys;
  for (const std::vector<std::string>& command : writes.commands) {
    if (command.size() < 2) {
      return absl::InvalidArgumentError("event writes: a command without its key");
    }
    keys.push_back(&command[1]);
  }
  // The stream's tenant is the one every key must belong to, events or not.
  if (!writes.stream_key.empty()) keys.push_back(&writes.stream_key);
  if (writes.commands.empty() && writes.events.empty()) {
    return std::vector<std::vector<std::string>>{};  // nothing to write
  }
  absl::StatusOr<std::string> tenant = TenantOfKeys(kStep, keys);
  if (!tenant.ok()) return tenant.status();

  std::vector<std::vector<std::string>> transaction;
  transaction.reserve(writes.commands.size() + writes.events.size() + 2);
  transaction.push_back({"MULTI"});
  for (std::vector<std::string>& command : writes.commands) {
    transaction.push_back(std::move(command));
  }
  for (const SealedEvent& event : writes.events) {
    // Checked when it was sealed: only its tenant is left to check.
    if (absl::Status status = CheckTenant(kStep, event.id(), event.tenant(), *tenant);
        !status.ok()) {
      return status;
    }
    // The same entry as a script's epilogue appends.
    transaction.push_back({"XADD", writes.stream_key, "*", std::string(kEntryIdField), event.id(),
                           std::string(kEntryTypeField), event.type(),
                           std::string(kEntryEnvelopeField), event.bytes()});
  }
  transaction.push_back({"EXEC"});
  return transaction;
}

absl::Status EventWritesOutcome(const store::Reply& exec_reply) {
  // An error before EXEC (EXECABORT: a command Redis refused to queue) ran nothing.
  if (exec_reply.is_error()) return exec_reply.ToStatus();
  for (const store::Reply& reply : exec_reply.elements()) {
    if (reply.is_error()) {
      return absl::InternalError(
          absl::StrCat("event writes: a command failed inside the transaction, after which the "
                       "others ran all the same: ",
                       reply.ToStatus().message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ScriptOutcome> RunEventScript(store::Pool& redis, const EventScript& script,
                                             const EventScriptCall& call) {
  absl::StatusOr<PreparedEventScript> prepared = PrepareEventScript(call);
  if (!prepared.ok()) return prepared.status();
  absl::StatusOr<store::Reply> reply =
      redis.Eval(script.script(), prepared->keys, prepared->args, prepared->retry);
  if (!reply.ok()) return reply.status();
  return EventScriptOutcome(*std::move(reply));
}

}  // namespace ipraktik::events
