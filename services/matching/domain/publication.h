#pragma once

// What a publication tells whom: the pure comparison of a matching result with what the
// participants were told before (nothing, for a first publication). Per intern: a new place, a
// moved place, a place taken away, or no place found, and nothing for those whose placement
// stands; per host offer whose interns changed: the complete new list with the interns it lost.
// docs/matching-service.md has the table. No Redis, RabbitMQ or gRPC: the records and events are
// plain messages.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "round_copy.h"

namespace ipraktik::matching_service {

// Everything the comparison reads. Maps are keyed by participant id / host offer id.
struct PublicationInput {
  std::string job_id;
  v1::RoundCard round;
  absl::flat_hash_map<std::string, InternCard> interns;        // every intern of the snapshot
  absl::flat_hash_map<std::string, v1::HostOfferCard> offers;  // every host offer of it
  std::vector<v1::MatchedPair> assignments;
  std::vector<v1::UnmatchedIntern> unmatched;
  // What the last publication told: the placement of each intern, and each offer's last
  // HostInternsAssigned message (its current list of interns).
  std::map<std::string, v1::Placement> told_interns;
  std::map<std::string, v1::HostInternsAssigned> told_hosts;
};

// One event to publish: its type (routing key), a name its id derives from (the same
// publication computed again gives the same names), and what it says. An intern's event holds
// its own facts only, without the round's, the intern's and the host offer's cards: EventPayloads
// adds those as bytes serialized once per publication, where copying them into every event and
// serializing them again was a good part of a publication's work (docs/benchmarks.md). A host's
// event (matching.host.interns_assigned) carries its change's host_list, which is stored as sent.
struct PublicationEvent {
  std::string type;
  std::string name;
  std::string participant_id;     // an intern's event: whose card it carries
  std::string host_offer_id;      // a placement's host offer (its card goes in), or a host's
  v1::InternPlaced placed;        // type matching.intern.placed, without its cards
  v1::InternUnmatched unmatched;  // type matching.intern.unmatched, without its cards
};

// One changed record (of an intern or of a host offer) and the event that tells its person, if
// any: stored together, so a publication cut short and run again tells each person once.
struct PublicationChange {
  std::optional<v1::Placement> placement;
  std::optional<v1::HostInternsAssigned> host_list;
  std::optional<PublicationEvent> event;
};

// What changes. `notified` counts the people e-mailed.
struct Publication {
  std::vector<PublicationChange> changes;
  std::int64_t notified = 0;
  std::int64_t placed = 0;
  std::int64_t unplaced = 0;
};

// The serialized payloads of a publication's intern events: the event's facts with the round's
// card, the intern's card (an empty one for an intern the input does not know) and, for a
// placement, the host offer's card. Parses as the whole v1::InternPlaced / v1::InternUnmatched.
// input must outlive it.
class EventPayloads {
 public:
  explicit EventPayloads(const PublicationInput& input);
  std::string Of(const PublicationEvent& event);

 private:
  const PublicationInput& input_;
  std::string round_;
  absl::flat_hash_map<std::string, std::string> offers_;  // serialized cards, by offer id
};

// Stable for one intern in one round across re-matches (calendar UIDs derive from it).
std::string PlacementId(const std::string& round_id, const std::string& participant_id);

Publication ComparePublication(const PublicationInput& input);

// The same comparison into out (empty), handing `ready` the changes final so far after each
// change, so that a caller can store those while the rest are compared (the comparison is a
// sixth of a national round's publication, which otherwise keeps one core busy until it is
// over). out.changes is reserved for the most a publication can have and never moves, so the
// changes handed over stay where they are; the comparison does not touch them again.
using ChangesReady = std::function<void(std::span<PublicationChange> ready)>;
void ComparePublication(const PublicationInput& input, Publication& out, const ChangesReady& ready);

// How many of `events` placement events go in one bus message: at most `most`, and few enough
// that they fill at least `spread` messages when there are that many events. The events of one
// message are handled one after the other by one consumer, so a round of a few dozen people in
// full batches would be e-mailed by one or two senders while the others wait; a national round's
// batches of 500 changes still go `most` to a message. Always at least 1.
std::size_t EventsPerMessage(std::size_t events, int most, int spread);

// What erasing an intern changes in what the hosts of a round were told (told_hosts, by offer):
// a host list with the intern loses them, and its host hears it (the list without them and a
// cancellation of their visit); every list keeps of them only their ids and days, never their
// name, e-mail or purpose. An erased host contact is taken off the lists' offer cards the same
// way. The changes carry host lists and events only.
std::vector<PublicationChange> EraseFromHostLists(
    const std::string& participant_id,
    const std::map<std::string, v1::HostInternsAssigned>& told_hosts);

}  // namespace ipraktik::matching_service
