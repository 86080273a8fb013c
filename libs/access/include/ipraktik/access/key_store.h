#pragma once

// API key records in Redis, each under the key's keyed digest (tokens::Digest with the server
// secret, IPRAKTIK_TOKEN_SECRET), never the key itself:
//
//   ipraktik:access:key:<digest>     hash: key_id tenant role label created expires revoked
//                                    last_used (unix seconds)
//   ipraktik:access:id:<key_id>      the digest of key key_id
//   ipraktik:access:tenant:<tenant>  set of the tenant's key ids
//
// The key id is the digest's first 16 hex digits after "key-": not secret (the digest is keyed),
// stable, and short enough for lists and the audit log.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/access/access.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::access {

class KeyStore {
 public:
  // redis must outlive this.
  KeyStore(store::Pool& redis, std::string secret);

  struct Created {
    std::string key;  // shown once
    KeyRecord record;
  };
  // A new key of role in tenant, valid from now for valid_for.
  absl::StatusOr<Created> Create(std::string_view tenant, v1::AccessRole role,
                                 std::string_view label, absl::Time now, absl::Duration valid_for);
  // The record of key (already format-checked); NOT_FOUND when no such key was made.
  absl::StatusOr<KeyRecord> Find(std::string_view key) const;
  // Records that key (found by Find) was used at now.
  absl::Status Touch(std::string_view key, absl::Time now);
  // The tenant's keys, newest first.
  absl::StatusOr<std::vector<KeyRecord>> List(std::string_view tenant) const;
  // The tenant's key key_id, NOT_FOUND when the tenant has none of that id.
  absl::StatusOr<KeyRecord> Get(std::string_view tenant, std::string_view key_id) const;
  // Revokes the tenant's key key_id for good (again: no change); NOT_FOUND as Get.
  absl::StatusOr<KeyRecord> Revoke(std::string_view tenant, std::string_view key_id);

 private:
  absl::StatusOr<KeyRecord> FindByDigest(std::string_view digest) const;

  store::Pool& redis_;
  std::string secret_;
};

}  // namespace ipraktik::access
