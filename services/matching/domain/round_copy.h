#pragma once

// A round as the registration service's snapshot describes it (the job's stored copy, or a
// fresh export), gathered part by part, and the labels people read a result by: the intern's
// name and workplace, the host offer's workplace and title. Pure: no Redis, RabbitMQ or gRPC.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::matching_service {

// An intern as the snapshot of the job describes them. The card is kept as its bytes (a
// v1::PersonCard as the copy stores it): a publication puts it into the intern's event and
// their host's list as it is, where parsing every card, copying it into the host's list and
// serializing it twice was a good part of a national round's publication (docs/benchmarks.md).
struct InternCard {
  std::string card;  // a serialized v1::PersonCard; empty for an intern nobody knows
  std::string purpose;
  // Whether the card has an e-mail address (what the checks before publishing ask of every
  // intern), noted when the card is read.
  bool has_email = false;

  // The card parsed, for those who read its fields (labels, the checks' messages).
  v1::PersonCard Person() const;
};

struct HostOfferCopy {
  v1::HostOfferCard card{};
  std::int64_t capacity = 0;
};

struct RoundCopy {
  v1::RoundCard round;
  // By participant id. A hash map: a publication looks each intern up several times, and the
  // ids share a long prefix that every comparison of an ordered map would read again.
  absl::flat_hash_map<std::string, InternCard> interns;
  std::map<std::string, HostOfferCopy> offers;  // by host offer id
  // From the trailer: applications taking part, awaiting their manager's approval, refused.
  std::int64_t applications = 0;
  std::int64_t awaiting_approval = 0;
  std::int64_t rejected = 0;

  // One part of the snapshot stream (in order); the part's cards are moved out of it.
  void Add(v1::ExportRoundSnapshotResponse&& part);
  void Add(const v1::ExportRoundSnapshotResponse& part) {
    Add(v1::ExportRoundSnapshotResponse(part));
  }

  // One stored part (the bytes of an ExportRoundSnapshotResponse, as a job keeps its copy): read
  // as Add reads it, without parsing what the copy does not keep (each application's wishes,
  // days and workplace: most of the part). DATA_LOSS when the bytes are no such message.
  absl::Status AddStored(std::string_view bytes);

  // Empty labels for an id the copy does not know (a person erased since).
  v1::InternLabel InternLabelOf(const std::string& participant_id) const;
  v1::HostLabel HostLabelOf(const std::string& host_offer_id) const;

 private:
  // One application of a stored part, as AddStored reads it; false when its bytes are no
  // application.
  bool AddStoredApplication(std::string_view bytes);
};

// Fills the labels of every assignment and unmatched intern of a result part.
void Label(const RoundCopy& copy, v1::GetMatchingResultResponse& part);
// Fills a published placement's labels (the host's only when it has one).
void Label(const RoundCopy& copy, v1::Placement& placement);

}  // namespace ipraktik::matching_service
