#pragma once

// How a decline or withdrawal made through a placement link reaches the matching service: its
// RecordPlacementChange, called with the notification service's service key, naming the
// participant's tenant in x-ipraktik-tenant, under the participant's call's correlation id and
// deadline. The matching service answers as it answers a coordinator.

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "placement_desk.h"

namespace ipraktik::notification {

RecordPlacementChange MatchingPlacementChanges(std::shared_ptr<grpc::Channel> matching,
                                               std::string api_key);

}  // namespace ipraktik::notification
