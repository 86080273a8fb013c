#pragma once

// The gRPC face of the audit log (ipraktik.v1.AuditService), hosted by the registration service:
// each handler is one call of the call shell, reading the caller's tenant's log (libs/audit).

#include "ipraktik/audit/audit.h"
#include "ipraktik/server/calls.h"
#include "ipraktik/v1/audit.grpc.pb.h"

namespace ipraktik::registration {

class AuditServiceImpl final : public v1::AuditService::CallbackService {
 public:
  // redis must outlive the service.
  AuditServiceImpl(store::Pool& redis, server::Calls calls)
      : log_(redis), calls_(std::move(calls)) {}

  using Base = v1::AuditService::CallbackService;
  using Base::ExportAuditEntries;
  using Base::ListAuditEntries;

  grpc::ServerUnaryReactor* ListAuditEntries(grpc::CallbackServerContext* context,
                                             const v1::ListAuditEntriesRequest* request,
                                             v1::ListAuditEntriesResponse* response) override;
  grpc::ServerUnaryReactor* ExportAuditEntries(grpc::CallbackServerContext* context,
                                               const v1::ExportAuditEntriesRequest* request,
                                               v1::ExportAuditEntriesResponse* response) override;

 private:
  audit::Log log_;
  server::Calls calls_;
};

}  // namespace ipraktik::registration
