#pragma once

// A manager's personal approval link and what travels with it: the token (libs/tokens, kind
// "ipa"; only its keyed digest is stored, as the key naming the application), the record fields
// that remember an application's links and which decisions each link has made, the reminder's
// time, and the "registration.approval.requested" event the notification service e-mails.
// Internal to the registration service.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/model.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/v1/registration.pb.h"
#include "registrar.h"
#include "registrar_support.h"
#include "registration_repository.h"

namespace ipraktik::registration {

struct ApprovalLink {
  std::string token;   // handed out in the link only
  std::string digest;  // what the store keeps
  std::string url;     // <participant_web_url>/approval/<tenant>/<token>
};

// A fresh link for tenant; INTERNAL when the random source fails.
absl::StatusOr<ApprovalLink> NewApprovalLink(const RegistrarOptions& options,
                                             std::string_view tenant);
// A token from a request: a violation of approval_token when it is not an approval token
// (empty, wrong format or checksum).
void CheckApprovalToken(std::string_view token, errors::Violations& out);
// The digest the store names a checked token's link by.
std::string ApprovalTokenDigest(const RegistrarOptions& options, std::string_view token);

// The digests of an application's live links (record field "token", space separated: the first
// request's and the reminder's).
std::vector<std::string> LinkDigests(const StoredRecord& application);
std::string JoinDigests(const std::vector<std::string>& digests);
// Whether the link with digest already made decision (record field "used").
bool LinkUsedFor(const StoredRecord& application, std::string_view digest, ApprovalState decision);
// The "used" field after the link made decision.
std::string MarkLinkUsed(const StoredRecord& application, std::string_view digest,
                         ApprovalState decision);

// When a manager who has not decided gets the reminder: 09:00 Danish time on the reminder day
// (rules.h); nullopt when there is none or that time is not after now.
std::optional<absl::Time> ApprovalReminderTime(const v1::Round& round, int days_before,
                                               absl::TimeZone zone, absl::Time now);

// What the manager is asked about, with the wishes named by their offers' titles (offers: the
// wished offers that exist).
struct ApprovalSubject {
  const v1::Round* round = nullptr;
  const v1::Programme* programme = nullptr;  // may be nullptr
  const v1::Participant* intern = nullptr;
  const v1::Workplace* intern_workplace = nullptr;  // may be nullptr
  const v1::Application* application = nullptr;
  const std::map<std::string, Loaded<v1::HostOffer>>* offers = nullptr;  // may be nullptr
};
std::vector<v1::ApprovalWish> ApprovalWishes(const ApprovalSubject& subject);

// "registration.approval.requested" asking the manager through link; event_id empty: a fresh one.
absl::StatusOr<events::Envelope> ApprovalRequestedEvent(const Caller& caller,
                                                        const ApprovalSubject& subject,
                                                        const ApprovalLink& link, bool reminder,
                                                        std::string event_id = "");

}  // namespace ipraktik::registration
