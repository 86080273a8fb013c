#pragma once

// "My placement": the personal link every placement e-mail carries, to the intern
// (IPRAKTIK_PARTICIPANT_WEB_URL/placement/<tenant>/<token>) and to the host offer's contact. The
// token (libs/tokens, kind "ipp") is derived from the server's secret and what the link is for
// (tenant, role, placement or host offer, person), so a redelivered event, a resend or a
// reminder renders the same link, and no second valid token is ever made; the service stores
// only its keyed digest. A link works until the day after the round's last day (or the
// placement's, if later) plus IPRAKTIK_NOTIFICATION_PLACEMENT_LINK_DAYS days (30). Pure: the
// rules a link is read, used and refused by.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/model.h"

namespace ipraktik::notification {

inline constexpr char kPlacementTokenKind[] = "ipp";

enum class LinkRole { kIntern, kHost };
// "intern", "host": what the store records.
const char* LinkRoleName(LinkRole role);
std::optional<LinkRole> ParseLinkRole(std::string_view name);

// Whom a link is for, and about what.
struct LinkSubject {
  std::string tenant{};
  LinkRole role = LinkRole::kIntern;
  // The placement id (intern) or the host offer id (host): the scope of the events' revisions.
  std::string scope_id{};
  // The intern, or the offer's contact.
  std::string participant_id{};
};
LinkSubject InternLink(std::string_view tenant, const std::string& placement_id,
                       const std::string& intern_id);
// nullopt when the offer's contact has no participant id (nobody to give a link to).
std::optional<LinkSubject> HostLink(std::string_view tenant, const HostInternsAssigned& event);

// The token of subject's link, derived with secret; INTERNAL when that fails.
absl::StatusOr<std::string> LinkToken(std::string_view secret, const LinkSubject& subject);
// <base>/placement/<tenant>/<token> (trailing slashes of base dropped).
std::string LinkUrl(std::string_view base, std::string_view tenant, std::string_view token);

// The last day a link works: the later of the round's last day and the last of days, plus
// extra_days; nullopt when neither is known.
std::optional<Date> LinkLastDay(const Round& round, const std::vector<Date>& days, int extra_days);
// When a link with that last day stops working: the start of the next day in zone.
absl::Time LinkExpiry(Date last_day, absl::TimeZone zone);

// A link as stored.
struct StoredLink {
  LinkRole role = LinkRole::kIntern;
  std::string scope_id{};
  std::string participant_id{};
  std::string round_id{};
  // The latest event about the scope that went to this person, and its revision.
  std::string event_id{};
  std::int64_t revision = 0;
  absl::Time expires = absl::InfinitePast();
  // Intern: a re-match took the placement away; the intern withdrew through the link.
  bool cancelled = false;
  bool withdrawn = false;
  // Host: the interns declined through the link.
  std::set<std::string> declined{};
};

// Whether a link may be read or used now, given the latest revision announced for its scope:
// OK, or FAILED_PRECONDITION with its type: LINK_EXPIRED, ALREADY_WITHDRAWN (the intern
// withdrew through it), PLACEMENT_CANCELLED (a re-match left the intern without this place),
// LINK_REPLACED (a newer message about the placement went to somebody else: the offer has a new
// contact).
absl::Status CheckLinkUsable(const StoredLink& link, absl::Time now, std::int64_t latest_revision);

// The days a host link shows: every day an intern comes, sorted.
std::vector<Date> HostDays(const HostInternsAssigned& event);

}  // namespace ipraktik::notification
