#pragma once

// "My placement" by the personal link of a placement e-mail (domain/placement_links.h): what the
// link shows (LookupPlacement), a host's decline of one of its interns (DeclinePlacement) and an
// intern's withdrawal (WithdrawPlacement). What the page shows comes from the latest event the
// link's person was e-mailed about (kept by the notifier), rendered as the e-mail rendered it
// (its guide, its calendar files). A decline or withdrawal is recorded where a coordinator's is,
// by the matching service's RecordPlacementChange (the re-match then tells the people it
// changes), and then marked on the link, so a repeat is answered without recording twice.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "domain/templates.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/v1/notification.pb.h"
#include "notifier.h"
#include "placement_link_repository.h"
#include "scheduling_repository.h"

namespace ipraktik::notification {

// A change the matching service records (RecordPlacementChange).
struct PlacementChange {
  enum class Kind { kHostDeclined, kInternWithdrew };
  Kind kind = Kind::kHostDeclined;
  std::string round_id{};
  std::string participant_id{};
  // With kHostDeclined: the declining offer (refused when the intern is placed elsewhere).
  std::string host_offer_id{};
  std::string note{};
};
// Records a change for call's tenant, under its correlation id and deadline: the matching
// service's answer (OK, or its error).
using RecordPlacementChange =
    std::function<absl::Status(const server::CallContext& call, const PlacementChange& change)>;

class PlacementDesk {
 public:
  // Everything must outlive the desk.
  PlacementDesk(Notifier& notifier, SchedulingRepository& scheduling,
                PlacementLinkRepository& links, const TemplateStore& templates,
                RecordPlacementChange record, Clock clock);

  absl::StatusOr<v1::LookupPlacementResponse> Lookup(const server::CallContext& call,
                                                     const v1::LookupPlacementRequest& request);
  absl::StatusOr<v1::DeclinePlacementResponse> Decline(const server::CallContext& call,
                                                       const v1::DeclinePlacementRequest& request);
  absl::StatusOr<v1::WithdrawPlacementResponse> Withdraw(
      const server::CallContext& call, const v1::WithdrawPlacementRequest& request);

 private:
  struct Found {
    std::string digest{};
    StoredLink link{};
  };
  // The usable link of a checked token: NOT_FOUND, or FAILED_PRECONDITION (CheckLinkUsable).
  absl::StatusOr<Found> Usable(const std::string& tenant, const std::string& token);
  absl::StatusOr<events::Envelope> LatestEvent(const std::string& tenant, const StoredLink& link);

  Notifier& notifier_;
  SchedulingRepository& scheduling_;
  PlacementLinkRepository& links_;
  const TemplateStore& templates_;
  RecordPlacementChange record_;
  Clock clock_;
};

}  // namespace ipraktik::notification
