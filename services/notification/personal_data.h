#pragma once

// Who an event names, and the event without one of them: what the notification service keeps of
// a saved event once a person in it is erased (GDPR). Every person in an event payload is an
// ipraktik.v1.PersonCard (placement events, evaluation invitations, host offer contacts).

#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "ipraktik/events/envelope.h"

namespace ipraktik::notification {

// The participant ids of every person card in the envelope's payload (none when the payload is
// of a type this build does not know).
std::set<std::string> PeopleIn(const events::Envelope& envelope);

// The envelope with the participant forgotten: every card of theirs keeps only the participant
// id; a host's list of interns no longer has them, and a cancellation of their visit keeps only
// its ids and days. nullopt when the payload does not name them.
absl::StatusOr<std::optional<events::Envelope>> WithoutPerson(const events::Envelope& envelope,
                                                              const std::string& participant_id);

}  // namespace ipraktik::notification
