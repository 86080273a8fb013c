#pragma once

// What an RPC declares about the audit log (option (ipraktik.v1.audit) in access.proto), found
// from the request message alone, as the call shell finds its roles (access::MethodOf: the RPC
// of the request's own .proto file that takes it). A request found by no method is not recorded.

#include <string>

#include "google/protobuf/descriptor.h"
#include "ipraktik/v1/access.pb.h"

namespace ipraktik::audit {

struct Declaration {
  // "/ipraktik.v1.RegistrationService/GetParticipant"; empty when no method takes the request.
  std::string method;
  v1::AuditKind kind = v1::AUDIT_KIND_UNSPECIFIED;

  bool audited() const { return kind != v1::AUDIT_KIND_UNSPECIFIED; }
};

Declaration DeclarationOf(const google::protobuf::Descriptor& request);

// "privileged", "personal_read"; empty for AUDIT_KIND_UNSPECIFIED.
std::string KindName(v1::AuditKind kind);

}  // namespace ipraktik::audit
