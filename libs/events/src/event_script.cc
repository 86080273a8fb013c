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

EventScript::EventScript(std::string_view body, Emits emits)
    : script_(absl::StrCat(View(kPrelude), View(body), View(kEpilogue))), emits_(emits) {}

absl::StatusOr<PreparedEventScript> PrepareEventScript(EventScriptCall call, Emits when) {
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

  const bool in_transaction = when == Emits::kAlways && emits;
  if (in_transaction) keys.pop_back();  // the stream key: the XADDs name it, not the script
  std::vector<std::string> args = std::move(call.args);
  std::vector<std::vector<std::string>> appends;
  for (const Envelope& event : call.events) {
    if (absl::Status status = ValidateEnvelope(event); !status.ok()) return status;
    if (event.tenant() != *tenant) {
      return absl::InvalidArgumentError(absl::StrCat("event script: event ", event.id(),
                                                     " of tenant ", event.tenant(),
                                                     " cannot go to the outbox of ", *tenant));
    }
    if (in_transaction) {
      appends.push_back({"XADD", call.stream_key, "*", std::string(kEntryIdField), event.id(),
                         std::string(kEntryTypeField), event.type(),
                         std::string(kEntryEnvelopeField), event.SerializeAsString()});
      continue;
    }
    args.push_back(event.id());
    args.push_back(event.type());
    args.push_back(event.SerializeAsString());
  }
  args.push_back(in_transaction ? "0" : absl::StrCat(call.events.size()));

  return PreparedEventScript{.keys = std::move(keys),
                             .args = std::move(args),
                             .retry = store::Retry::kNever,
                             .appends = std::move(appends)};
}

QueuedEventScript AddEventScript(store::Pipeline& pipeline, const EventScript& script,
                                 PreparedEventScript prepared) {
  if (prepared.appends.empty()) {
    pipeline.AddScript(script.script(), std::move(prepared.keys), std::move(prepared.args));
    return {.reply = pipeline.size() - 1, .transaction = false};
  }
  pipeline.Add({"MULTI"});
  std::vector<std::string> eval = {"EVAL", script.script().source(),
                                   absl::StrCat(prepared.keys.size())};
  eval.reserve(eval.size() + prepared.keys.size() + prepared.args.size());
  for (std::string& key : prepared.keys) eval.push_back(std::move(key));
  for (std::string& arg : prepared.args) eval.push_back(std::move(arg));
  pipeline.Add(std::move(eval));
  for (std::vector<std::string>& append : prepared.appends) pipeline.Add(std::move(append));
  pipeline.Add({"EXEC"});
  return {.reply = pipeline.size() - 1, .transaction = true};
}

absl::StatusOr<ScriptOutcome> EventScriptOutcome(store::Reply reply,
                                                 const QueuedEventScript& queued) {
  if (reply.is_error()) return reply.ToStatus();
  if (!queued.transaction) return ScriptOutcome{.reply = std::move(reply)};
  // EXEC's reply: the script's, then each XADD's.
  if (reply.elements().empty()) {
    return absl::InternalError("event script: the transaction was not run");
  }
  for (std::size_t i = 1; i < reply.elements().size(); ++i) {
    if (reply.elements()[i].is_error()) return reply.elements()[i].ToStatus();
  }
  const store::Reply& body = reply.elements().front();
  if (body.is_error()) {
    // A body declared never to refuse did: its events are appended all the same.
    return absl::InternalError(absl::StrCat(
        "event script: a script that always emits failed after its events were appended: ",
        body.ToStatus().message()));
  }
  return ScriptOutcome{.reply = body};
}

absl::StatusOr<ScriptOutcome> RunEventScript(store::Pool& redis, const EventScript& script,
                                             const EventScriptCall& call) {
  absl::StatusOr<PreparedEventScript> prepared = PrepareEventScript(call, script.emits());
  if (!prepared.ok()) return prepared.status();
  const store::Retry retry = prepared->retry;
  store::Pipeline pipeline;
  const QueuedEventScript queued = AddEventScript(pipeline, script, *std::move(prepared));
  absl::StatusOr<std::vector<store::Reply>> replies = redis.Execute(pipeline, retry);
  if (!replies.ok()) return replies.status();
  return EventScriptOutcome(std::move((*replies)[queued.reply]), queued);
}

}  // namespace ipraktik::events
