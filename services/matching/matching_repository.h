#pragma once

// The matching service's own records in Redis (the jobs are libs/jobs'): a round's pair rules,
// withdrawn interns, and what its publications told each intern and each host offer.
//
//   ipraktik:{t}:matching_rules:<round>       HASH "<participant>|<offer>" -> PairRuleRecord
//   ipraktik:{t}:matching_withdrawn:<round>   SET  participant ids
//   ipraktik:{t}:matching_placements:<round>  HASH participant -> PlacementRecord
//   ipraktik:{t}:matching_host_lists:<round>  HASH offer -> the last HostInternsAssigned, as sent
//   ipraktik:{t}:matching_publishing:<round>  STRING a publication under way (a lease)
//
// Rules and placements are storage records (proto/ipraktik/storage/v1/records.proto), mapped
// to and from the API messages by libs/records. A host list is kept as the event that told the
// host, byte for byte: it is what was said (docs/decisions.md).

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/placement_events.pb.h"

namespace ipraktik::matching_service {

// What one atomic step of a publication (or an erasure) writes: placement records, host lists
// and the events that tell their people.
struct PublicationWrites {
  std::vector<v1::Placement> placements{};
  // (host offer id, serialized HostInternsAssigned): the same bytes as the host's event carries,
  // so they are serialized once.
  std::vector<std::pair<std::string, std::string>> host_lists{};
  std::vector<events::SealedEvent> events{};
};

class MatchingRepository {
 public:
  // redis and outbox must outlive the repository. Thread-safe.
  MatchingRepository(store::Pool& redis, outbox::Outbox& outbox);
  ~MatchingRepository();

  absl::Status SetRule(std::string_view tenant, const v1::PairRule& rule);
  // false when there was no such rule.
  absl::StatusOr<bool> DeleteRule(std::string_view tenant, std::string_view round_id,
                                  std::string_view participant_id, std::string_view host_offer_id);
  // Ordered by participant, then host offer.
  absl::StatusOr<std::vector<v1::PairRule>> Rules(std::string_view tenant,
                                                  std::string_view round_id) const;

  absl::Status AddWithdrawn(std::string_view tenant, std::string_view round_id,
                            std::string_view participant_id);
  absl::StatusOr<std::vector<std::string>> Withdrawn(std::string_view tenant,
                                                     std::string_view round_id) const;

  absl::StatusOr<std::map<std::string, v1::Placement>> Placements(std::string_view tenant,
                                                                  std::string_view round_id) const;
  absl::StatusOr<std::map<std::string, v1::HostInternsAssigned>> HostLists(
      std::string_view tenant, std::string_view round_id) const;

  // Stores records and appends their events to the outbox, atomically.
  absl::Status ApplyPublicationBatch(std::string_view tenant, std::string_view round_id,
                                     PublicationWrites writes);

  // An erased intern: their placement record goes, the host lists and events (from
  // EraseFromHostLists; writes has no placements) are stored and appended to the outbox,
  // atomically.
  absl::Status ApplyErasure(std::string_view tenant, std::string_view round_id,
                            std::string_view participant_id, PublicationWrites writes);

  // A lease on publishing the round, so two publications never interleave. false when another
  // holder has it.
  absl::StatusOr<bool> AcquirePublishing(std::string_view tenant, std::string_view round_id,
                                         std::string_view holder, absl::Duration ttl);
  absl::Status ReleasePublishing(std::string_view tenant, std::string_view round_id,
                                 std::string_view holder);

 private:
  struct Scripts;
  // placements: (participant, stored record bytes) pairs, empty bytes deleting the record.
  absl::Status Apply(std::string_view tenant, std::string_view round_id,
                     std::vector<std::pair<std::string, std::string>> placements,
                     PublicationWrites writes);
  store::Pool& redis_;
  outbox::Outbox& outbox_;
  std::unique_ptr<Scripts> scripts_;
};

}  // namespace ipraktik::matching_service
