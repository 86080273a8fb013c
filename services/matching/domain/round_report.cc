#include "round_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ipraktik/contract/unmatched_reasons.h"

namespace ipraktik::matching_service {
namespace {

// RFC 2606 reserves .invalid: mail from it can never be answered, and is often refused.
bool Unusable(const std::string& address) {
  const auto at = address.rfind('@');
  if (address.empty() || at == std::string::npos) return true;
  const std::string domain = address.substr(at + 1);
  return domain == "invalid" || absl::EndsWithIgnoreCase(domain, ".invalid");
}

}  // namespace

std::vector<errors::PreconditionViolation> PublishProblems(const PublishCheckInput& input) {
  std::vector<errors::PreconditionViolation> problems;
  if (!input.settings) {
    problems.push_back(
        {"NOTIFICATION_UNREACHABLE", "notification_settings",
         absl::StrCat("the sender settings could not be checked: ", input.settings_error)});
  } else {
    if (Unusable(input.settings->sender_address())) {
      problems.push_back(
          {"SENDER_ADDRESS", "notification_settings/sender_address",
           absl::StrCat("the e-mails would go out from '", input.settings->sender_address(),
                        "', which nobody can answer: set the programme's sender address "
                        "(UpdateNotificationSettings, or IPRAKTIK_NOTIFICATION_SENDER_ADDRESS)")});
    }
    if (input.settings->reply_to().empty()) {
      problems.push_back(
          {"REPLY_TO", "notification_settings/reply_to",
           "no reply-to address is set: answers to the e-mails would reach "
           "nobody (UpdateNotificationSettings, or IPRAKTIK_NOTIFICATION_REPLY_TO)"});
    }
  }
  const RoundCopy& copy = *input.copy;
  std::set<std::string> reported;
  auto need_email = [&](const v1::PersonCard& person, const std::string& participant_id,
                        const std::string& as) {
    if (!person.email().empty() || !reported.insert(participant_id).second) return;
    problems.push_back({"MISSING_EMAIL", absl::StrCat("participant/", participant_id),
                        absl::StrCat(person.name().empty() ? participant_id : person.name(), " (",
                                     as, ") has no e-mail address")});
  };
  auto intern = [&](const std::string& participant_id) {
    auto it = copy.interns.find(participant_id);
    // A card is parsed only for the name of an intern without an address.
    if (it == copy.interns.end() || it->second.has_email) return;
    need_email(it->second.Person(), participant_id, "intern");
  };
  std::set<std::string> hosts;
  if (input.assignments == nullptr && input.unmatched == nullptr) {
    // In the order of their ids, so that the list of problems reads the same each time.
    std::vector<std::string_view> ids;
    ids.reserve(copy.interns.size());
    for (const auto& [participant_id, card] : copy.interns) ids.push_back(participant_id);
    std::sort(ids.begin(), ids.end());
    for (std::string_view participant_id : ids) intern(std::string(participant_id));
    for (const auto& [host_offer_id, offer] : copy.offers) hosts.insert(host_offer_id);
  }
  if (input.assignments != nullptr) {
    for (const auto& pair : *input.assignments) {
      intern(pair.participant_id());
      hosts.insert(pair.host_offer_id());
    }
  }
  if (input.unmatched != nullptr) {
    for (const auto& unmatched : *input.unmatched) intern(unmatched.participant_id());
  }
  for (const auto& host : hosts) {
    auto it = copy.offers.find(host);
    if (it == copy.offers.end()) continue;
    const v1::PersonCard& contact = it->second.card.contact();
    need_email(contact, contact.participant_id().empty() ? host : contact.participant_id(),
               absl::StrCat("contact of ", it->second.card.title()));
  }
  if (copy.awaiting_approval > 0) {
    problems.push_back({"APPROVALS_PENDING", absl::StrCat("round/", copy.round.round_id()),
                        absl::StrCat(copy.awaiting_approval,
                                     " application(s) still wait for their manager's approval "
                                     "and are not in this matching")});
  }
  return problems;
}

std::string UnmatchedReasonDanish(const std::string& reason_code) {
  return std::string(contract::UnmatchedReasonDanishOf(reason_code).value_or(reason_code));
}

v1::RoundOverview Overview(const OverviewInput& input) {
  const RoundCopy& copy = *input.copy;
  v1::RoundOverview overview;
  overview.set_round_id(copy.round.round_id());
  overview.set_round_name(copy.round.name());
  overview.set_taking_part(copy.applications);
  overview.set_awaiting_approval(copy.awaiting_approval);
  overview.set_rejected(copy.rejected);
  overview.set_signed_up(copy.applications + copy.awaiting_approval + copy.rejected);
  overview.set_job_id(input.job_id);
  overview.set_published(input.published);
  overview.set_matched(static_cast<std::int64_t>(input.assignments.size()));
  overview.set_unmatched(static_cast<std::int64_t>(input.unmatched.size()));

  std::map<std::string, std::int64_t> by_reason;
  for (const auto& unmatched : input.unmatched) ++by_reason[unmatched.reason_code()];
  for (const auto& [code, count] : by_reason) {
    v1::UnmatchedReasonCount* reason = overview.add_unmatched_reasons();
    reason->set_reason_code(code);
    reason->set_reason(UnmatchedReasonDanish(code));
    reason->set_interns(count);
  }

  std::map<std::string, std::int64_t> placed;
  for (const auto& pair : input.assignments) ++placed[pair.host_offer_id()];
  overview.set_host_offers(static_cast<std::int64_t>(copy.offers.size()));
  for (const auto& [id, offer] : copy.offers) {
    const std::int64_t taken = placed.count(id) ? placed[id] : 0;
    if (taken >= offer.capacity) continue;
    v1::HostFreePlaces* host = overview.add_hosts_with_free_places();
    host->set_host_offer_id(id);
    *host->mutable_host() = copy.HostLabelOf(id);
    host->set_capacity(offer.capacity);
    host->set_placed(taken);
    host->set_free(offer.capacity - taken);
    overview.set_free_places(overview.free_places() + host->free());
  }
  overview.set_host_offers_with_free_places(overview.hosts_with_free_places_size());
  overview.set_emails_sent(input.deliveries.sent());
  overview.set_emails_failed(input.deliveries.failed());
  overview.set_emails_pending(input.deliveries.pending());
  return overview;
}

}  // namespace ipraktik::matching_service
