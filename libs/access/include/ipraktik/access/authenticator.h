#pragma once

// The one decision every RPC passes (called by libs/server's Calls::Open): who is calling, from
// the call's "authorization: Bearer <key>" and optional x-ipraktik-tenant header, and whether the
// RPC's declared roles let it. Handlers see only the resulting Caller, never a credential.

#include <functional>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/access/access.h"
#include "ipraktik/access/key_store.h"

namespace ipraktik::access {

class Authenticator {
 public:
  // Where the write of a key's last use runs (e.g. a service's handler executor, so that the
  // thread deciding the call does not wait for it); unset: at once.
  using RunLater = std::function<void(std::function<void()> work)>;

  // keys must outlive this; clock defaults to absl::Now.
  explicit Authenticator(KeyStore& keys, std::function<absl::Time()> clock = {},
                         RunLater run_later = {});

  // No key, a malformed, unknown, revoked or expired key: UNAUTHENTICATED; a role the method does
  // not allow (or a tenant header from a key that may not name one): PERMISSION_DENIED;
  // UNAVAILABLE when the key store cannot be read. A participant's RPC needs no key: it acts in
  // the tenant of the header (INVALID_ARGUMENT naming it when absent), its token in the request
  // being the authority.
  absl::StatusOr<Caller> Authenticate(const google::protobuf::MethodDescriptor& method,
                                      std::optional<std::string_view> authorization,
                                      std::optional<std::string_view> tenant_header) const;

 private:
  KeyStore& keys_;
  std::function<absl::Time()> clock_;
  RunLater run_later_;
};

}  // namespace ipraktik::access
