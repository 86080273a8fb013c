#include "approval_links.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/rules.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/tokens/tokens.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "registrar_events.h"

namespace ipraktik::registration {
namespace {

constexpr char kTokenKind[] = "ipa";

std::vector<std::string> Words(const std::string& text) {
  return absl::StrSplit(text, absl::ByChar(' '), absl::SkipEmpty());
}

std::string Use(std::string_view digest, ApprovalState decision) {
  return absl::StrCat(std::string(digest), ":", std::string(ApprovalStateName(decision)));
}

}  // namespace

absl::StatusOr<ApprovalLink> NewApprovalLink(const RegistrarOptions& options,
                                             std::string_view tenant) {
  auto token = tokens::NewToken(kTokenKind);
  if (!token.ok()) return token.status();
  std::string base = options.participant_web_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ApprovalLink link;
  link.digest = tokens::Digest(options.token_secret, *token);
  link.url = absl::StrCat(base, "/approval/", std::string(tenant), "/", *token);
  link.token = *std::move(token);
  return link;
}

void CheckApprovalToken(std::string_view token, errors::Violations& out) {
  if (token.empty()) {
    out.Add("approval_token", "is required");
  } else if (absl::Status format = tokens::CheckFormat(token, kTokenKind); !format.ok()) {
    out.Add("approval_token", std::string(format.message()));
  }
}

std::string ApprovalTokenDigest(const RegistrarOptions& options, std::string_view token) {
  return tokens::Digest(options.token_secret, token);
}

std::vector<std::string> LinkDigests(const StoredRecord& application) {
  return Words(application.Field("token"));
}

std::string JoinDigests(const std::vector<std::string>& digests) {
  return absl::StrJoin(digests, " ");
}

bool LinkUsedFor(const StoredRecord& application, std::string_view digest, ApprovalState decision) {
  auto used = Words(application.Field("used"));
  return std::find(used.begin(), used.end(), Use(digest, decision)) != used.end();
}

std::string MarkLinkUsed(const StoredRecord& application, std::string_view digest,
                         ApprovalState decision) {
  auto used = Words(application.Field("used"));
  used.push_back(Use(digest, decision));
  return absl::StrJoin(used, " ");
}

std::optional<absl::Time> ApprovalReminderTime(const v1::Round& round, int days_before,
                                               absl::TimeZone zone, absl::Time now) {
  auto day = ApprovalReminderDay(ToDomain(round), days_before);
  if (!day) return std::nullopt;
  absl::CivilSecond at(static_cast<int>(day->year()), static_cast<unsigned>(day->month()),
                       static_cast<unsigned>(day->day()), 9, 0, 0);
  absl::Time time = absl::FromCivil(at, zone);
  if (time <= now) return std::nullopt;
  return time;
}

std::vector<v1::ApprovalWish> ApprovalWishes(const ApprovalSubject& subject) {
  std::vector<v1::ApprovalWish> wishes;
  int rank = 0;
  for (const v1::Wish& wish : subject.application->wishes()) {
    v1::ApprovalWish named;
    named.set_rank(++rank);
    if (wish.has_host_offer_id()) {
      named.set_host_offer_id(wish.host_offer_id());
      if (subject.offers != nullptr) {
        auto offer = subject.offers->find(wish.host_offer_id());
        if (offer != subject.offers->end()) named.set_title(offer->second.message.title());
      }
    }
    wishes.push_back(std::move(named));
  }
  return wishes;
}

absl::StatusOr<events::Envelope> ApprovalRequestedEvent(const Caller& caller,
                                                        const ApprovalSubject& subject,
                                                        const ApprovalLink& link, bool reminder,
                                                        std::string event_id) {
  v1::ApprovalRequested requested;
  *requested.mutable_round() = RoundCard(*subject.round);
  requested.set_application_id(subject.application->application_id());
  *requested.mutable_intern() = PersonCard(*subject.intern, subject.intern_workplace);
  *requested.mutable_manager() = subject.application->manager();
  requested.set_approval_url(link.url);
  *requested.mutable_respond_by() = subject.round->signup_deadline();
  requested.set_purpose(subject.application->purpose());
  for (auto& wish : ApprovalWishes(subject)) *requested.add_wishes() = std::move(wish);
  requested.set_reminder(reminder);
  if (subject.programme != nullptr) requested.set_programme_name(subject.programme->name());
  return events::BuildEnvelope({.type = contract::kApprovalRequested,
                                .tenant = caller.tenant,
                                .correlation_id = caller.correlation_id,
                                .id = std::move(event_id)},
                               requested);
}

}  // namespace ipraktik::registration
