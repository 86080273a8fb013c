#include "audit_service.h"

#include "ipraktik/audit/api.h"

namespace ipraktik::registration {

grpc::ServerUnaryReactor* AuditServiceImpl::ListAuditEntries(
    grpc::CallbackServerContext* context, const v1::ListAuditEntriesRequest* request,
    v1::ListAuditEntriesResponse* response) {
  return calls_.Unary(
      context, request, response,
      [this](const server::CallContext& call, const v1::ListAuditEntriesRequest& q) {
        return audit::ListEntries(log_, call.tenant, q);
      });
}

grpc::ServerUnaryReactor* AuditServiceImpl::ExportAuditEntries(
    grpc::CallbackServerContext* context, const v1::ExportAuditEntriesRequest* request,
    v1::ExportAuditEntriesResponse* response) {
  return calls_.Unary(
      context, request, response,
      [this](const server::CallContext& call, const v1::ExportAuditEntriesRequest& q) {
        return audit::ExportEntries(log_, call.tenant, q);
      });
}

}  // namespace ipraktik::registration
