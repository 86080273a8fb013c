#include "domain/placement_links.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/tokens/tokens.h"

namespace ipraktik::notification {

const char* LinkRoleName(LinkRole role) { return role == LinkRole::kHost ? "host" : "intern"; }

std::optional<LinkRole> ParseLinkRole(std::string_view name) {
  if (name == "intern") return LinkRole::kIntern;
  if (name == "host") return LinkRole::kHost;
  return std::nullopt;
}

LinkSubject InternLink(std::string_view tenant, const std::string& placement_id,
                       const std::string& intern_id) {
  return {.tenant = std::string(tenant),
          .role = LinkRole::kIntern,
          .scope_id = placement_id,
          .participant_id = intern_id};
}

std::optional<LinkSubject> HostLink(std::string_view tenant, const HostInternsAssigned& event) {
  if (event.host_offer.contact.participant_id.empty()) return std::nullopt;
  return LinkSubject{.tenant = std::string(tenant),
                     .role = LinkRole::kHost,
                     .scope_id = event.host_offer.host_offer_id,
                     .participant_id = event.host_offer.contact.participant_id};
}

absl::StatusOr<std::string> LinkToken(std::string_view secret, const LinkSubject& subject) {
  // Ids hold no line breaks, so the four parts cannot run into each other.
  return tokens::DerivedToken(secret, kPlacementTokenKind,
                              absl::StrCat(subject.tenant, "\n", LinkRoleName(subject.role), "\n",
                                           subject.scope_id, "\n", subject.participant_id));
}

std::string LinkUrl(std::string_view base, std::string_view tenant, std::string_view token) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return absl::StrCat(std::string(base), "/placement/", std::string(tenant), "/",
                      std::string(token));
}

std::optional<Date> LinkLastDay(const Round& round, const std::vector<Date>& days, int extra_days) {
  std::optional<Date> last;
  if (round.window_end && round.window_end->ok()) last = *round.window_end;
  for (Date day : days) {
    if (day.ok() && (!last || day > *last)) last = day;
  }
  if (!last) return std::nullopt;
  return model::AddDays(*last, extra_days);
}

absl::Time LinkExpiry(Date last_day, absl::TimeZone zone) {
  const absl::CivilDay day(static_cast<int>(last_day.year()),
                           static_cast<unsigned>(last_day.month()),
                           static_cast<unsigned>(last_day.day()));
  return absl::FromCivil(day + 1, zone);
}

absl::Status CheckLinkUsable(const StoredLink& link, absl::Time now, std::int64_t latest_revision) {
  const std::string subject = absl::StrCat("placement_link/", LinkRoleName(link.role));
  if (now >= link.expires) {
    return errors::FailedPrecondition(
        "LINK_EXPIRED", subject,
        "the link has expired: it worked until some time after the internship; ask the "
        "programme's coordinators if you need anything");
  }
  if (link.withdrawn) {
    return errors::FailedPrecondition(
        "ALREADY_WITHDRAWN", subject,
        "the intern has withdrawn from the placement through this link");
  }
  if (link.cancelled) {
    return errors::FailedPrecondition(
        "PLACEMENT_CANCELLED", subject,
        "a re-match has taken this placement away; the intern was told by e-mail");
  }
  if (latest_revision > link.revision) {
    return errors::FailedPrecondition(
        "LINK_REPLACED", subject,
        "the placement has changed since this link was sent, and the newer message went to "
        "someone else");
  }
  return absl::OkStatus();
}

std::vector<Date> HostDays(const HostInternsAssigned& event) {
  std::vector<Date> days;
  for (const auto& visitor : event.interns) {
    days.insert(days.end(), visitor.days.begin(), visitor.days.end());
  }
  return NormalizedDays(std::move(days));
}

}  // namespace ipraktik::notification
