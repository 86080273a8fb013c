#include "ipraktik/events/dedupe.h"

#include <algorithm>
#include <cstdint>
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

// A record's value: "1" once processed (as EventScript's dedupe key writes it), "claimed" while
// a consumer holds the event.
constexpr std::string_view kDoneValue = "1";
constexpr std::string_view kClaimScript = R"lua(
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], 'claimed', 'PX', ARGV[1])
  return 'claimed'
end
if value == 'claimed' then return 'busy' end
return 'done'
)lua";

}  // namespace

ProcessedEvents::ProcessedEvents(store::Pool& redis, std::string consumer, absl::Duration retention)
    : redis_(redis),
      consumer_(std::move(consumer)),
      retention_(retention),
      claim_script_(std::string(kClaimScript)) {}

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

absl::StatusOr<ProcessedEvents::Claim> ProcessedEvents::TryClaim(const Envelope& event,
                                                                 absl::Duration lease) {
  absl::StatusOr<std::string> key = Key(event);
  if (!key.ok()) return key.status();
  // Sent again after a broken connection, the script may find our own claim and answer busy:
  // the event is then retried later, which errs on the safe side.
  absl::StatusOr<store::Reply> reply =
      redis_.Eval(claim_script_, {*key},
                  {absl::StrCat(std::max<std::int64_t>(1, absl::ToInt64Milliseconds(lease)))},
                  store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (reply->str() == "claimed") return Claim::kClaimed;
  return reply->str() == "busy" ? Claim::kBusy : Claim::kDone;
}

absl::Status ProcessedEvents::Complete(const Envelope& event) {
  absl::StatusOr<std::string> key = Key(event);
  if (!key.ok()) return key.status();
  absl::StatusOr<store::Reply> reply =
      redis_.Command({"SET", *key, std::string(kDoneValue), "PX",
                      absl::StrCat(absl::ToInt64Milliseconds(retention_))},
                     store::Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::Status ProcessedEvents::Forget(const Envelope& event) {
  absl::StatusOr<std::string> key = Key(event);
  if (!key.ok()) return key.status();
  absl::StatusOr<store::Reply> reply = redis_.Command({"DEL", *key}, store::Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

}  // namespace ipraktik::events
