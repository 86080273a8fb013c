#pragma once

// The roles-per-RPC table of docs/security.md, generated from the declarations in the .proto
// files (option (ipraktik.v1.allowed_roles) and (ipraktik.v1.audit)) of every service the
// binaries serve. `build/tests/ipraktik-roles-table` prints it; security_doc_test checks that the
// doc holds exactly this.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ipraktik/access/access.h"
#include "ipraktik/v1/evaluation.pb.h"
#include "ipraktik/v1/keys.pb.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/notification.pb.h"
#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::access {

// Every service of the project (a request type of each links its descriptors in).
inline std::vector<const google::protobuf::ServiceDescriptor*> ProjectServices() {
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const auto* request :
       {v1::GetRoundRequest::descriptor(), v1::ListApiKeysRequest::descriptor(),
        v1::GetMatchingJobRequest::descriptor(), v1::GetDeliveryRequest::descriptor(),
        v1::GetEvaluationReportRequest::descriptor()}) {
    services.push_back(MethodOf(*request)->service());
  }
  return services;
}

inline std::string RolesTable() {
  std::string table;
  for (const auto* service : ProjectServices()) {
    absl::StrAppend(&table, "\n### ", service->name(), "\n\n| RPC | roles | audit log |\n",
                    "| --- | --- | --- |\n");
    for (int m = 0; m < service->method_count(); ++m) {
      const auto& method = *service->method(m);
      std::vector<std::string> roles;
      for (auto role : AllowedRoles(method)) roles.push_back(RoleName(role));
      const char* audit = AuditOf(method) == v1::AUDIT_KIND_PRIVILEGED      ? "privileged action"
                          : AuditOf(method) == v1::AUDIT_KIND_PERSONAL_READ ? "personal data read"
                                                                            : "-";
      absl::StrAppend(&table, "| ", method.name(), " | ", absl::StrJoin(roles, ", "), " | ", audit,
                      " |\n");
    }
  }
  return table;
}

}  // namespace ipraktik::access
