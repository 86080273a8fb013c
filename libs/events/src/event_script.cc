#include "ipraktik/events/event_script.h"

#include <optional>

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

}  // namespace

EventScript::EventScript(std::string_view body)
    : script_(absl::StrCat(View(kPrelude), View(body), View(kEpilogue))) {}

absl::StatusOr<PreparedEventScript> PrepareEventScript(EventScriptCall call) {
  const bool emits = !call.events.empty();
  if (emits && call.stream_key.empty()) {
    return absl::InvalidArgumentError("event script: events to emit but no stream key");
  }

  std::vector<std::string> keys = std::move(call.keys);
  if (emits) keys.push_back(call.stream_key);
  // One tenant's keys share a hash slot: the condition for one atomic script on a cluster.
  std::optional<std::string> tenant;
  for (const std::string& key : keys) {
    std::optional<std::string> owner = store::TenantOfKey(key);
    if (!owner.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("event script: key \"", key, "\" is not a tenant key"));
    }
    if (tenant.has_value() && *owner != *tenant) {
      return absl::InvalidArgumentError(absl::StrCat("event script: keys of tenants ", *tenant,
                                                     " and ", *owner, " in one script"));
    }
    tenant = std::move(owner);
  }

  std::vector<std::string> args = std::move(call.args);
  for (const Envelope& event : call.events) {
    if (absl::Status status = ValidateEnvelope(event); !status.ok()) return status;
    if (event.tenant() != *tenant) {
      return absl::InvalidArgumentError(absl::StrCat("event script: event ", event.id(),
                                                     " of tenant ", event.tenant(),
                                                     " cannot go to the outbox of ", *tenant));
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
