#pragma once

// What KeyService does (proto/ipraktik/v1/keys.proto), without gRPC: who may make, list and
// revoke which keys. Operators manage the keys of any tenant (they name it with the tenant
// header); coordinators those of their own tenant, but neither make nor revoke operator or
// service keys. A key is returned once, at creation.

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/access/access.h"
#include "ipraktik/access/key_store.h"
#include "ipraktik/v1/keys.pb.h"

namespace ipraktik::access {

// A key's lifetime when the request names none, and the longest allowed.
inline constexpr int kDefaultValidDays = 365;
inline constexpr int kMaxValidDays = 825;
inline constexpr std::size_t kMaxLabelLength = 200;

// The proto form of a record (never the key).
v1::ApiKey ToProto(const KeyRecord& record);

class KeyAdministration {
 public:
  // keys must outlive this; clock defaults to absl::Now.
  explicit KeyAdministration(KeyStore& keys, std::function<absl::Time()> clock = {});

  absl::StatusOr<v1::CreateApiKeyResponse> Create(const Caller& caller,
                                                  const v1::CreateApiKeyRequest& request);
  absl::StatusOr<v1::ListApiKeysResponse> List(const Caller& caller,
                                               const v1::ListApiKeysRequest& request);
  absl::StatusOr<v1::RevokeApiKeyResponse> Revoke(const Caller& caller,
                                                  const v1::RevokeApiKeyRequest& request);

 private:
  KeyStore& keys_;
  std::function<absl::Time()> clock_;
};

}  // namespace ipraktik::access
