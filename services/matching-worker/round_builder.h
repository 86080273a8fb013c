#pragma once

// Turns a job's stored snapshot (the registration service's ExportRoundSnapshot stream, fed one
// part at a time so a national round is never held twice) and its input (pins, forbids,
// withdrawals, the last publication) into the engine's Instance, plus what the result needs
// that the engine does not know: the days of each placement, which pins came from a kept
// placement or a swap, and the wishes dropped before the engine for want of a common day.
// Pure: no Redis, RabbitMQ or gRPC. The rules are in docs/matching-service.md.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ipraktik/matching/instance.h"
#include "ipraktik/v1/matching_events.pb.h"
#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::matching_worker {

// A calendar day as a day number (days since 1970-01-01), sorted ascending in a DaySet.
using DaySet = std::vector<std::int32_t>;

DaySet ToDaySet(const google::protobuf::RepeatedPtrField<v1::Date>& dates);
v1::Date ToDate(std::int32_t day);
// The days an intern spends with a host: the common days; the other side's days when one side
// gave none.
DaySet PlacementDays(const DaySet& intern, const DaySet& offer);

// A wish left out before the engine saw it: the intern and the offer have no day in common.
struct DayDrop {
  std::string intern;
  std::string host;
  std::uint32_t rank = 0;
};

// Where a pin came from (coordinator pins are the rest).
enum class PinOrigin { kCoordinator, kKept, kSwap };

struct PreparedRound {
  matching::Instance instance;
  // Aligned with instance.interns / instance.hosts.
  std::vector<DaySet> intern_days;
  std::vector<DaySet> host_days;
  std::vector<DayDrop> day_drops;
  // Per pin of instance.pinned, in the same order.
  std::vector<PinOrigin> pin_origins;
  // Mutual swap requests turned into pin pairs.
  std::int64_t swap_pairs = 0;
  // The forbidden pairs that are a host's decline ("intern|host"), and the interns declined.
  std::unordered_set<std::string> declined_pairs;
  std::unordered_set<std::string> declined_interns;
  v1::RoundCard round;
  std::int64_t revision = 0;
  // Position of each intern / host id in instance.interns / instance.hosts.
  std::unordered_map<std::string, std::uint32_t> intern_index;
  std::unordered_map<std::string, std::uint32_t> host_index;
};

// "intern|host": how PreparedRound's sets of pairs are keyed.
std::string PairKey(const std::string& intern, const std::string& host);

class RoundBuilder {
 public:
  explicit RoundBuilder(v1::MatchingJobInput input);

  // The parts in stream order: one header, the host offers, the applications, one trailer.
  // DATA_LOSS naming the part when the stream is not what the export promises (out of order,
  // a continued application without its start, counts that do not add up).
  absl::Status Add(const v1::ExportRoundSnapshotResponse& part);
  // After the trailer.
  absl::StatusOr<PreparedRound> Finish() &&;

 private:
  enum class Stage { kHeader, kOffers, kApplications, kDone };

  absl::Status AddOffer(const v1::SnapshotHostOffer& offer);
  absl::Status AddApplication(const v1::SnapshotApplication& application);
  void AddWishes(const v1::SnapshotApplication& application);
  void AddPins();

  v1::MatchingJobInput input_;
  PreparedRound round_;
  Stage stage_ = Stage::kHeader;
  int part_ = 0;
  int applications_seen_ = 0;
  // Where continued parts of the last application go (-1: it was left out).
  std::string last_application_id_;
  std::int64_t last_intern_ = -1;
  // The host offers each participant is the contact of, and whom each intern asked to swap with.
  std::unordered_map<std::string, std::vector<std::uint32_t>> offers_by_contact_;
  std::vector<std::pair<std::uint32_t, std::string>> swap_requests_;
  std::unordered_set<std::string> withdrawn_;
};

}  // namespace ipraktik::matching_worker
