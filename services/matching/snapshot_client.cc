#include "snapshot_client.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "ipraktik/access/access.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/v1/registration.grpc.pb.h"

namespace ipraktik::matching_service {

SnapshotSource RegistrationSnapshots(std::shared_ptr<grpc::Channel> registration,
                                     std::string api_key) {
  auto stub = std::shared_ptr<v1::RegistrationService::Stub>(
      v1::RegistrationService::NewStub(std::move(registration)));
  return
      [stub, authorization = "Bearer " + api_key](const Caller& caller, const std::string& round_id,
                                                  const SnapshotSink& sink) -> absl::Status {
        grpc::ClientContext context;
        context.AddMetadata(access::kAuthorizationHeader, authorization);
        context.AddMetadata(server::kTenantHeader, caller.tenant);
        context.AddMetadata(server::kCorrelationIdHeader, caller.correlation_id);
        context.set_deadline(caller.deadline);
        v1::ExportRoundSnapshotRequest request;
        request.set_round_id(round_id);
        auto reader = stub->ExportRoundSnapshot(&context, request);
        v1::ExportRoundSnapshotResponse part;
        absl::Status consumed;
        while (reader->Read(&part)) {
          consumed = sink(part);
          if (!consumed.ok()) {
            context.TryCancel();
            break;
          }
        }
        const absl::Status finished = rpc_status::FromGrpcStatus(reader->Finish());
        if (!consumed.ok()) return consumed;
        if (absl::IsUnavailable(finished) || absl::IsDeadlineExceeded(finished)) {
          return absl::Status(finished.code(),
                              absl::StrCat("reading the round's snapshot from the registration "
                                           "service: ",
                                           finished.message()));
        }
        return finished;
      };
}

}  // namespace ipraktik::matching_service
