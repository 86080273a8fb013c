#include "ipraktik/access/key_administration.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::access {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp Timestamp(absl::Time time) {
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(time));
}

// Operator and service keys reach beyond one tenant: only an operator makes or revokes them.
bool ReachesBeyondItsTenant(v1::AccessRole role) {
  return role == v1::ACCESS_ROLE_OPERATOR || role == v1::ACCESS_ROLE_SERVICE;
}

absl::Status MayManage(const Caller& caller, v1::AccessRole role) {
  if (ReachesBeyondItsTenant(role) && caller.role != v1::ACCESS_ROLE_OPERATOR) {
    return absl::PermissionDeniedError(
        absl::StrCat("only an operator manages ", RoleName(role), " keys"));
  }
  return absl::OkStatus();
}

}  // namespace

v1::ApiKey ToProto(const KeyRecord& record) {
  v1::ApiKey key;
  key.set_key_id(record.key_id);
  key.set_tenant(record.tenant);
  key.set_role(record.role);
  key.set_label(record.label);
  *key.mutable_create_time() = Timestamp(record.create_time);
  *key.mutable_expire_time() = Timestamp(record.expire_time);
  key.set_revoked(record.revoked);
  if (record.last_used_time) *key.mutable_last_used_time() = Timestamp(*record.last_used_time);
  return key;
}

KeyAdministration::KeyAdministration(KeyStore& keys, std::function<absl::Time()> clock)
    : keys_(keys), clock_(clock ? std::move(clock) : [] { return absl::Now(); }) {}

absl::StatusOr<v1::CreateApiKeyResponse> KeyAdministration::Create(
    const Caller& caller, const v1::CreateApiKeyRequest& request) {
  errors::Violations violations;
  const v1::AccessRole role = request.role();
  if (!v1::AccessRole_IsValid(role) || role == v1::ACCESS_ROLE_UNSPECIFIED ||
      role == v1::ACCESS_ROLE_PARTICIPANT) {
    violations.Add("role",
                   "must be one of coordinator, partner, reader, operator, service (participants "
                   "use the token of their link)");
  }
  if (request.label().size() > kMaxLabelLength) {
    violations.Add("label", absl::StrCat("must be at most ", kMaxLabelLength, " bytes"));
  }
  if (request.valid_days() < 0 || request.valid_days() > kMaxValidDays) {
    violations.Add("valid_days",
                   absl::StrCat("must be 0 (", kDefaultValidDays, " days) to ", kMaxValidDays));
  }
  if (!violations.empty()) return violations.ToStatus();
  if (absl::Status may = MayManage(caller, role); !may.ok()) return may;
  const int days = request.valid_days() == 0 ? kDefaultValidDays : request.valid_days();
  auto created =
      keys_.Create(caller.tenant, role, request.label(), clock_(), absl::Hours(24) * days);
  if (!created.ok()) return created.status();
  v1::CreateApiKeyResponse response;
  *response.mutable_api_key() = ToProto(created->record);
  response.set_key(std::move(created->key));
  return response;
}

absl::StatusOr<v1::ListApiKeysResponse> KeyAdministration::List(
    const Caller& caller, const v1::ListApiKeysRequest& /*request*/) {
  auto records = keys_.List(caller.tenant);
  if (!records.ok()) return records.status();
  v1::ListApiKeysResponse response;
  for (const auto& record : *records) *response.add_api_keys() = ToProto(record);
  return response;
}

absl::StatusOr<v1::RevokeApiKeyResponse> KeyAdministration::Revoke(
    const Caller& caller, const v1::RevokeApiKeyRequest& request) {
  if (request.key_id().empty()) return errors::InvalidArgument({{"key_id", "is required"}});
  auto record = keys_.Get(caller.tenant, request.key_id());
  if (!record.ok()) return record.status();
  if (absl::Status may = MayManage(caller, record->role); !may.ok()) return may;
  auto revoked = keys_.Revoke(caller.tenant, request.key_id());
  if (!revoked.ok()) return revoked.status();
  v1::RevokeApiKeyResponse response;
  *response.mutable_api_key() = ToProto(*revoked);
  return response;
}

}  // namespace ipraktik::access
