#pragma once

// The key scheme: every key of a tenant is ipraktik:{<tenant>}:<kind>[:<id>]. The braces are a
// Redis Cluster hash tag, so all of a tenant's keys live in one slot and one Lua script may touch
// any of them atomically, today on one server and later on a cluster.
//
//   auto keys = store::TenantKeys::For(tenant);                 // validates the tenant once
//   if (!keys.ok()) return keys.status();
//   keys->Key("participant", participant_id)   // "ipraktik:{aarhus}:participant:p-17"
//   keys->Key("outbox")                        // "ipraktik:{aarhus}:outbox"

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ipraktik::store {

// The prefix of every key the system writes.
inline constexpr std::string_view kKeyPrefix = "ipraktik:";

// A tenant is 1 to 64 of [a-z0-9_-], starting with a letter or digit. That is all a tenant may
// be: no braces, colons, glob characters or spaces, so it can neither leave its hash tag nor
// match another tenant's keys in a SCAN pattern. INVALID_ARGUMENT naming the problem otherwise.
absl::Status ValidateTenant(std::string_view tenant);

class TenantKeys {
 public:
  static absl::StatusOr<TenantKeys> For(std::string_view tenant);

  const std::string& tenant() const { return tenant_; }
  // "{<tenant>}": the hash tag.
  std::string HashTag() const;
  // "ipraktik:{<tenant>}:<kind>", for a tenant's one-of-a-kind keys (its outbox, an index).
  std::string Key(std::string_view kind) const;
  // "ipraktik:{<tenant>}:<kind>:<id>". The id may contain anything, braces too: Redis hashes
  // only what lies between the first '{' and the first '}' after it, which is the tenant.
  std::string Key(std::string_view kind, std::string_view id) const;

 private:
  explicit TenantKeys(std::string tenant) : tenant_(std::move(tenant)) {}
  std::string tenant_;
};

// The tenant of a key built by TenantKeys; nullopt for any other key.
std::optional<std::string> TenantOfKey(std::string_view key);

}  // namespace ipraktik::store
