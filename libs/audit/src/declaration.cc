#include "ipraktik/audit/declaration.h"

namespace ipraktik::audit {

Declaration DeclarationOf(const google::protobuf::Descriptor& request) {
  const google::protobuf::FileDescriptor* file = request.file();
  for (int s = 0; s < file->service_count(); ++s) {
    const google::protobuf::ServiceDescriptor* service = file->service(s);
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor* method = service->method(m);
      if (method->input_type() != &request) continue;
      return {.method = "/" + service->full_name() + "/" + method->name(),
              .kind = method->options().GetExtension(v1::audit)};
    }
  }
  return {};
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
