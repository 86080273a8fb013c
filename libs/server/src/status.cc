#include "ipraktik/server/status.h"

#include "ipraktik/rpc_status/rpc_status.h"

namespace ipraktik::server {

grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      const absl::Status& status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(rpc_status::ToGrpcStatus(status));
  return reactor;
}

}  // namespace ipraktik::server
