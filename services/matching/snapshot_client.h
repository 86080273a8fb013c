#pragma once

// The registration service as the matching service reads it. The round snapshot
// (RegistrationService.ExportRoundSnapshot), streamed part by part for the caller's tenant, with
// its correlation id and deadline. A registration error (no such round, a round not closed yet)
// comes back with its details. The calls carry api_key, a service key
// (IPRAKTIK_REGISTRATION_API_KEY), which acts in the caller's tenant by naming it in
// x-ipraktik-tenant.

#include <memory>
#include <string>

#include "coordinator.h"
#include "grpcpp/channel.h"

namespace ipraktik::matching_service {

SnapshotSource RegistrationSnapshots(std::shared_ptr<grpc::Channel> registration,
                                     std::string api_key);

// The RecordCheck against the registration service (GetRound, GetParticipant, GetHostOffer with
// the same service key): another tenant's round is NOT_FOUND there like one that does not exist.
RecordCheck RegistrationRecords(std::shared_ptr<grpc::Channel> registration, std::string api_key);

}  // namespace ipraktik::matching_service
