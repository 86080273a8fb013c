#include "ipraktik/events/dedupe.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/store/keys.h"

namespace ipraktik::events {
namespace {

bool IsConsumerName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

}  // namespace

ProcessedEvents::ProcessedEvents(store::Pool& redis, std::string consumer, absl::Duration retention)
    : redis_(redis), consumer_(std::move(consumer)), retention_(retention) {}

absl::StatusOr<std::string> ProcessedEvents::Key(const Envelope& event) const {
  if (!IsConsumerName(consumer_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "consumer name \"", consumer_, "\" must be 1 to 64 of a-z, 0-9, '.', '_' and '-'"));
  }
  if (event.id().empty()) return absl::InvalidArgumentError("event has no id");
  absl::StatusOr<store::TenantKeys> keys = store::TenantKeys::For(event.tenant());
  if (!keys.ok()) return keys.status();
  return keys->Key("processed", absl::StrCat(consumer_, ":", event.id()));
}

absl::StatusOr<bool> ProcessedEvents::MarkProcessed(const Envelope& event) {
  absl::StatusOr<std::string> key = Key(event);
  if (!key.ok()) return key.status();
  // SET NX decides between concurrent consumers inside Redis; retrying it after a broken
  // connection may answer "already processed" for our own mark, which errs on the safe side.
  absl::StatusOr<store::Reply> reply = redis_.Command(
      {"SET", *key, "1", "NX", "PX", absl::StrCat(absl::ToInt64Milliseconds(retention_))},
      store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return !reply->is_nil();
}

absl::StatusOr<bool> ProcessedEvents::IsProcessed(const Envelope& event) {
  absl::StatusOr<std::string> key = Key(event);
  if (!key.ok()) return key.status();
  absl::StatusOr<store::Reply> reply = redis_.Command({"EXISTS", *key}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return reply->integer() == 1;
}

absl::Status ProcessedEvents::Forget(const Envelope& event) {
  absl::StatusOr<std::string> key = Key(event);
  if (!key.ok()) return key.status();
  absl::StatusOr<store::Reply> reply = redis_.Command({"DEL", *key}, store::Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::StatusOr<ScriptOutcome> ProcessedEvents::Apply(const EventScript& script,
                                                     const Envelope& event,
                                                     std::vector<std::string> keys,
                                                     std::vector<std::string> args) {
  absl::StatusOr<std::string> key = Key(event);
  if (!key.ok()) return key.status();
  EventScriptCall call;
  call.keys = std::move(keys);
  call.args = std::move(args);
  call.dedupe_key = *std::move(key);
  call.dedupe_ttl = retention_;
  return RunEventScript(redis_, script, call);
}

}  // namespace ipraktik::events
