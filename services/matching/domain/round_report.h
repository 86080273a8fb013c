#pragma once

// What a coordinator reads about a round besides the result itself: the checks before a
// publication (is the sender configured, does everybody to be e-mailed have an address, are the
// approvals settled) and the round overview (signed up, approvals, matched, unmatched by reason
// in Danish, hosts with free places, e-mails). Pure: the callers gather the inputs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipraktik/errors/errors.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/notification.pb.h"
#include "round_copy.h"

namespace ipraktik::matching_service {

struct PublishCheckInput {
  const RoundCopy* copy = nullptr;
  // The result to publish. Both null before the matching (a request to be published as soon as
  // it is done): everybody its publication could e-mail is checked, every intern and the
  // contact of every host offer of the copy.
  const std::vector<v1::MatchedPair>* assignments = nullptr;
  const std::vector<v1::UnmatchedIntern>* unmatched = nullptr;
  // The notification settings in force for the tenant; nullopt when they could not be read.
  std::optional<v1::NotificationSettings> settings{};
  // Why they could not be read.
  std::string settings_error{};
};

// Each problem: SENDER_ADDRESS, REPLY_TO, NOTIFICATION_UNREACHABLE, MISSING_EMAIL (subject
// participant/<id>, once per person), APPROVALS_PENDING (subject round/<id>). Empty: nothing to
// fix.
std::vector<errors::PreconditionViolation> PublishProblems(const PublishCheckInput& input);

// The reason an intern was not placed, in plain Danish (the reason code itself for a code this
// version does not know).
std::string UnmatchedReasonDanish(const std::string& reason_code);

struct OverviewInput {
  const RoundCopy* copy = nullptr;
  // The job counted (empty: none finished), whether it is the published one, and its result.
  std::string job_id{};
  bool published = false;
  std::vector<v1::MatchedPair> assignments{};
  std::vector<v1::UnmatchedIntern> unmatched{};
  v1::CountDeliveriesResponse deliveries{};
};

v1::RoundOverview Overview(const OverviewInput& input);

}  // namespace ipraktik::matching_service
