#pragma once

// The round snapshot from the registration service (RegistrationService.ExportRoundSnapshot),
// streamed part by part for the caller's tenant, with its correlation id and deadline. A
// registration error (no such round, a round not closed yet) comes back with its details.

#include <memory>

#include "coordinator.h"
#include "grpcpp/channel.h"

namespace ipraktik::matching_service {

SnapshotSource RegistrationSnapshots(std::shared_ptr<grpc::Channel> registration);

}  // namespace ipraktik::matching_service
