#pragma once

// What the matching service asks the notification service (NotificationService): the tenant's
// sender settings in force (checked before a publication) and how a round's e-mails stand (the
// round overview). The calls carry the same service key as the snapshot reads and name the
// caller's tenant in x-ipraktik-tenant.

#include <memory>
#include <string>

#include "coordinator.h"
#include "grpcpp/channel.h"

namespace ipraktik::matching_service {

NotificationSource NotificationFacts(std::shared_ptr<grpc::Channel> notification,
                                     std::string api_key);

}  // namespace ipraktik::matching_service
