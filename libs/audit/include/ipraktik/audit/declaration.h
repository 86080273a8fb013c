#pragma once

// What an RPC declares about the audit log (option (ipraktik.v1.audit) in access.proto), found
// from the request message alone: the call shell knows the request's type, and every RPC has a
// request type of its own (buf lint's RPC_REQUEST_STANDARD_NAME), so the method is the one of
// the request's file whose input type it is. A request message must therefore live in the same
// .proto file as its service (as every ipraktik RPC's does); one that does not is found by no
// method and not recorded.

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
