#pragma once

// Who may call what, as pure decisions (no Redis, no gRPC): the roles and audit kind an RPC
// declares in its .proto (access.proto's options), the API key's text format, and whether a key's
// record lets it make a call. The call shell (libs/server, Calls::Open) is the one place that
// applies them, through Authenticator (authenticator.h).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "ipraktik/v1/access.pb.h"

namespace ipraktik::access {

// The token kind of API keys (libs/tokens): "ipk_" + 30 random + 6 checksum characters.
inline constexpr std::string_view kKeyKind = "ipk";
// Metadata keys (lower case, as HTTP/2 sends them): "authorization: Bearer <key>".
inline constexpr char kAuthorizationHeader[] = "authorization";

// What is stored of a key (under its keyed digest, never the key).
struct KeyRecord {
  // Not secret: names the key in lists and the audit log.
  std::string key_id;
  std::string tenant;
  v1::AccessRole role = v1::ACCESS_ROLE_UNSPECIFIED;
  std::string label;
  absl::Time create_time;
  absl::Time expire_time;
  bool revoked = false;
  std::optional<absl::Time> last_used_time;
};

// Who a call acts as, once authenticated.
struct Caller {
  std::string tenant;
  std::string key_id;  // empty for a participant's call (its token is in the request)
  v1::AccessRole role = v1::ACCESS_ROLE_UNSPECIFIED;
};

// The RPC whose request message is request_type: the RPC of a service in request_type's own
// .proto file that takes it (buf lint makes every request type one RPC's own). nullptr when none.
const google::protobuf::MethodDescriptor* MethodOf(
    const google::protobuf::Descriptor& request_type);
// The roles the RPC declares with option (ipraktik.v1.allowed_roles); empty when none.
std::vector<v1::AccessRole> AllowedRoles(const google::protobuf::MethodDescriptor& method);
// What the audit log records of the RPC (option (ipraktik.v1.audit)).
v1::AuditKind AuditOf(const google::protobuf::MethodDescriptor& method);
// A participant's RPC: its request carries the token that is its authority, and no API key.
bool ForParticipants(const google::protobuf::MethodDescriptor& method);
// OK when every RPC of the service (full name, e.g. "ipraktik.v1.RegistrationService", found in
// the generated descriptors) declares its roles; otherwise FAILED_PRECONDITION naming the RPCs
// that do not, so a service that would serve one does not start.
absl::Status CheckDeclared(std::string_view service_full_name);
// "coordinator" for ACCESS_ROLE_COORDINATOR; nullopt for a name that is no role.
std::string RoleName(v1::AccessRole role);
std::optional<v1::AccessRole> ParseRole(std::string_view name);

// The key of an "authorization: Bearer <key>" header (nullopt: none sent), checked for the key
// format and checksum before any lookup; UNAUTHENTICATED otherwise, never echoing the key.
absl::StatusOr<std::string> BearerKey(std::optional<std::string_view> authorization);

// Whether the key of record may make a call of method: UNAUTHENTICATED when it is revoked or
// expired, PERMISSION_DENIED when its role is not one the method allows or when it names a
// tenant (tenant_header) and its role may not act in another tenant (only operator and service
// keys may). The caller acts in the key's tenant, or the named one.
absl::StatusOr<Caller> Decide(const KeyRecord& record, absl::Time now,
                              const google::protobuf::MethodDescriptor& method,
                              std::optional<std::string_view> tenant_header);

// Whether the record's last-used time is old enough to be written again (at most once a minute,
// so a busy key costs one write a minute, not one a call).
bool LastUseIsStale(const KeyRecord& record, absl::Time now);

}  // namespace ipraktik::access
