#pragma once

// The gRPC face of API key administration (ipraktik.v1.KeyService), hosted by the registration
// service: each call runs in the call shell (libs/server calls.h), which has authenticated the
// caller, and is answered by access::KeyAdministration.

#include "ipraktik/access/key_administration.h"
#include "ipraktik/server/calls.h"
#include "ipraktik/v1/keys.grpc.pb.h"

namespace ipraktik::registration {

class KeyServiceImpl final : public v1::KeyService::CallbackService {
 public:
  // administration must outlive the service.
  KeyServiceImpl(access::KeyAdministration& administration, server::Calls calls)
      : administration_(administration), calls_(std::move(calls)) {}

  using Base = v1::KeyService::CallbackService;
  using Base::CreateApiKey;
  using Base::ListApiKeys;
  using Base::RevokeApiKey;

  grpc::ServerUnaryReactor* CreateApiKey(grpc::CallbackServerContext* context,
                                         const v1::CreateApiKeyRequest* request,
                                         v1::CreateApiKeyResponse* response) override;
  grpc::ServerUnaryReactor* ListApiKeys(grpc::CallbackServerContext* context,
                                        const v1::ListApiKeysRequest* request,
                                        v1::ListApiKeysResponse* response) override;
  grpc::ServerUnaryReactor* RevokeApiKey(grpc::CallbackServerContext* context,
                                         const v1::RevokeApiKeyRequest* request,
                                         v1::RevokeApiKeyResponse* response) override;

 private:
  access::KeyAdministration& administration_;
  server::Calls calls_;
};

}  // namespace ipraktik::registration
