#include "ipraktik/audit/declaration.h"

#include "ipraktik/access/access.h"

namespace ipraktik::audit {

Declaration DeclarationOf(const google::protobuf::Descriptor& request) {
  const google::protobuf::MethodDescriptor* method = access::MethodOf(request);
  if (method == nullptr) return {};
  return {.method = "/" + method->service()->full_name() + "/" + method->name(),
          .kind = access::AuditOf(*method)};
}

std::string KindName(v1::AuditKind kind) {
  switch (kind) {
    case v1::AUDIT_KIND_PRIVILEGED:
      return "privileged";
    case v1::AUDIT_KIND_PERSONAL_READ:
      return "personal_read";
    default:
      return "";
  }
}

}  // namespace ipraktik::audit
