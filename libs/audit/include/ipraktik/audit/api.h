#pragma once

// The AuditService's calls (proto/ipraktik/v1/audit.proto) on a tenant's log: the filter and
// paging checked (bad values are INVALID_ARGUMENT naming the field), entries mapped to the API's
// messages. No gRPC here: the registration service's handlers call these in the call shell.

#include <string_view>

#include "absl/status/statusor.h"
#include "ipraktik/audit/audit.h"
#include "ipraktik/v1/audit.pb.h"

namespace ipraktik::audit {

// The most entries one ExportAuditEntries call writes.
inline constexpr int kMaxExportEntries = 5'000;

absl::StatusOr<v1::ListAuditEntriesResponse> ListEntries(
    const Log& log, std::string_view tenant, const v1::ListAuditEntriesRequest& request);

absl::StatusOr<v1::ExportAuditEntriesResponse> ExportEntries(
    const Log& log, std::string_view tenant, const v1::ExportAuditEntriesRequest& request);

}  // namespace ipraktik::audit
