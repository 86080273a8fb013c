#include "ipraktik/access/access.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ipraktik/tokens/tokens.h"

namespace ipraktik::access {
namespace {

constexpr std::string_view kBearer = "Bearer ";

bool MayNameTenant(v1::AccessRole role) {
  return role == v1::ACCESS_ROLE_OPERATOR || role == v1::ACCESS_ROLE_SERVICE;
}

}  // namespace

const google::protobuf::MethodDescriptor* MethodOf(
    const google::protobuf::Descriptor& request_type) {
  const google::protobuf::FileDescriptor* file = request_type.file();
  for (int s = 0; s < file->service_count(); ++s) {
    const google::protobuf::ServiceDescriptor* service = file->service(s);
    for (int m = 0; m < service->method_count(); ++m) {
      if (service->method(m)->input_type() == &request_type) return service->method(m);
    }
  }
  return nullptr;
}

std::vector<v1::AccessRole> AllowedRoles(const google::protobuf::MethodDescriptor& method) {
  const auto& options = method.options();
  std::vector<v1::AccessRole> roles;
  for (int i = 0; i < options.ExtensionSize(v1::allowed_roles); ++i) {
    roles.push_back(options.GetExtension(v1::allowed_roles, i));
  }
  return roles;
}

v1::AuditKind AuditOf(const google::protobuf::MethodDescriptor& method) {
  return method.options().GetExtension(v1::audit);
}

bool ForParticipants(const google::protobuf::MethodDescriptor& method) {
  auto roles = AllowedRoles(method);
  return std::find(roles.begin(), roles.end(), v1::ACCESS_ROLE_PARTICIPANT) != roles.end();
}

absl::Status CheckDeclared(std::string_view service_full_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service_full_name));
  if (service == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("no service ", std::string(service_full_name),
                                                      " is compiled into this program"));
  }
  std::vector<std::string> undeclared;
  for (int m = 0; m < service->method_count(); ++m) {
    const google::protobuf::MethodDescriptor* method = service->method(m);
    if (AllowedRoles(*method).empty() || MethodOf(*method->input_type()) != method) {
      undeclared.push_back(method->name());
    }
  }
  if (undeclared.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      std::string(service_full_name),
      ": RPCs without option (ipraktik.v1.allowed_roles), or whose request type is not their own "
      "in their own file: ",
      absl::StrJoin(undeclared, ", ")));
}

std::string RoleName(v1::AccessRole role) {
  constexpr std::string_view kPrefix = "ACCESS_ROLE_";
  std::string name = v1::AccessRole_Name(role);
  if (name.starts_with(kPrefix)) name.erase(0, kPrefix.size());
  return absl::AsciiStrToLower(name);
}

std::optional<v1::AccessRole> ParseRole(std::string_view name) {
  v1::AccessRole role;
  if (!v1::AccessRole_Parse(absl::StrCat("ACCESS_ROLE_", absl::AsciiStrToUpper(std::string(name))),
                            &role) ||
      role == v1::ACCESS_ROLE_UNSPECIFIED) {
    return std::nullopt;
  }
  return role;
}

absl::StatusOr<std::string> BearerKey(std::optional<std::string_view> authorization) {
  if (!authorization) {
    return absl::UnauthenticatedError(
        "this call needs an API key: send the metadata 'authorization: Bearer <key>'");
  }
  if (!authorization->starts_with(kBearer)) {
    return absl::UnauthenticatedError("the authorization metadata must be 'Bearer <key>'");
  }
  std::string_view key = authorization->substr(kBearer.size());
  if (absl::Status format = tokens::CheckFormat(key, kKeyKind); !format.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("the API key is malformed: ", format.message()));
  }
  return std::string(key);
}

absl::StatusOr<Caller> Decide(const KeyRecord& record, absl::Time now,
                              const google::protobuf::MethodDescriptor& method,
                              std::optional<std::string_view> tenant_header) {
  if (record.revoked) {
    return absl::UnauthenticatedError(absl::StrCat("API key ", record.key_id, " was revoked"));
  }
  if (now >= record.expire_time) {
    return absl::UnauthenticatedError(absl::StrCat("API key ", record.key_id, " has expired"));
  }
  auto roles = AllowedRoles(method);
  if (std::find(roles.begin(), roles.end(), record.role) == roles.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("a ", RoleName(record.role), " key may not call ", method.name()));
  }
  Caller caller{.tenant = record.tenant, .key_id = record.key_id, .role = record.role};
  if (tenant_header && *tenant_header != record.tenant) {
    if (!MayNameTenant(record.role)) {
      return absl::PermissionDeniedError(
          absl::StrCat("a ", RoleName(record.role),
                       " key acts in its own tenant only: send no x-ipraktik-tenant header"));
    }
    caller.tenant = std::string(*tenant_header);
  }
  return caller;
}

bool LastUseIsStale(const KeyRecord& record, absl::Time now) {
  return !record.last_used_time || now - *record.last_used_time >= absl::Minutes(1);
}

}  // namespace ipraktik::access
