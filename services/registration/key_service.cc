#include "key_service.h"

namespace ipraktik::registration {
namespace {

access::Caller CallerOf(const server::CallContext& call) {
  return {.tenant = call.tenant, .key_id = call.key_id, .role = call.role};
}

}  // namespace

grpc::ServerUnaryReactor* KeyServiceImpl::CreateApiKey(grpc::CallbackServerContext* context,
                                                       const v1::CreateApiKeyRequest* request,
                                                       v1::CreateApiKeyResponse* response) {
  return calls_.UnaryOn(context, request, response, administration_,
                        &access::KeyAdministration::Create, CallerOf);
}

grpc::ServerUnaryReactor* KeyServiceImpl::ListApiKeys(grpc::CallbackServerContext* context,
                                                      const v1::ListApiKeysRequest* request,
                                                      v1::ListApiKeysResponse* response) {
  return calls_.UnaryOn(context, request, response, administration_,
                        &access::KeyAdministration::List, CallerOf);
}

grpc::ServerUnaryReactor* KeyServiceImpl::RevokeApiKey(grpc::CallbackServerContext* context,
                                                       const v1::RevokeApiKeyRequest* request,
                                                       v1::RevokeApiKeyResponse* response) {
  return calls_.UnaryOn(context, request, response, administration_,
                        &access::KeyAdministration::Revoke, CallerOf);
}

}  // namespace ipraktik::registration
