#pragma once

// The events the registration service emits (proto/ipraktik/v1/registration_events.proto), built
// from the records a change wrote, and the cards other services show people and offers with.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/v1/common.pb.h"
#include "ipraktik/v1/registration.pb.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "registrar.h"

namespace ipraktik::registration {

// An envelope of type for the caller's tenant and correlation id.
absl::StatusOr<events::Envelope> MakeEvent(const Caller& caller, std::string_view type,
                                           const google::protobuf::Message& payload);

// workplace may be nullptr (its name and sector are then left empty).
v1::PersonCard PersonCard(const v1::Participant& participant, const v1::Workplace* workplace);
v1::HostOfferCard HostOfferCard(const v1::HostOffer& offer, const v1::Workplace* workplace,
                                const v1::Participant* contact,
                                const v1::Workplace* contact_workplace);
v1::RoundCard RoundCard(const v1::Round& round);

}  // namespace ipraktik::registration
