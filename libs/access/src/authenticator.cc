#include "ipraktik/access/authenticator.h"

#include <utility>

namespace ipraktik::access {

Authenticator::Authenticator(KeyStore& keys, std::function<absl::Time()> clock, RunLater run_later)
    : keys_(keys),
      clock_(clock ? std::move(clock) : [] { return absl::Now(); }),
      run_later_(run_later ? std::move(run_later) : [](std::function<void()> work) { work(); }) {}

absl::StatusOr<Caller> Authenticator::Authenticate(
    const google::protobuf::MethodDescriptor& method, std::optional<std::string_view> authorization,
    std::optional<std::string_view> tenant_header) const {
  if (ForParticipants(method)) {
    return Caller{.tenant = std::string(tenant_header.value_or("")),
                  .key_id = "",
                  .role = v1::ACCESS_ROLE_PARTICIPANT};
  }
  auto key = BearerKey(authorization);
  if (!key.ok()) return key.status();
  auto record = keys_.Find(*key);
  if (absl::IsNotFound(record.status())) {
    return absl::UnauthenticatedError("the API key is not known (or was made with another secret)");
  }
  if (!record.ok()) return record.status();
  const absl::Time now = clock_();
  auto caller = Decide(*record, now, method, tenant_header);
  // A failed write of the last use must not fail the call: the next call tries again.
  if (caller.ok() && LastUseIsStale(*record, now)) {
    run_later_([&keys = keys_, key = *key, now] { keys.Touch(key, now).IgnoreError(); });
  }
  return caller;
}

}  // namespace ipraktik::access
