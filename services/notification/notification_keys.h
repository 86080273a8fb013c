#pragma once

// Where the notification service keeps its data in Redis (see docs/notification.md), and the
// small conversions its two repositories share.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/store/reply.h"

namespace ipraktik::notification {

// The keys of one tenant's notification data: ipraktik:{<tenant>}:notification:...
struct NotificationKeys {
  store::TenantKeys tenant;

  static absl::StatusOr<NotificationKeys> For(const std::string& tenant);

  std::string Message(const std::string& id) const;
  // Indexes of message ids by time: per round, per participant, the failed ones (of the tenant,
  // of a round).
  std::string Round(const std::string& id) const;
  std::string RoundFailed(const std::string& id) const;
  std::string Participant(const std::string& id) const;
  std::string Failed() const;
  // Set when a participant's data is erased: nothing is sent to them any more.
  std::string Erased(const std::string& participant_id) const;
  std::string Event(const std::string& id) const;
  // SET of the ids of saved events that name a participant (in a person card), so erasing them
  // finds every copy.
  std::string Mentions(const std::string& participant_id) const;
  std::string Revision(const std::string& scope, const std::string& id) const;
  std::string Reminders() const;
  std::string ReminderKey(const std::string& id) const;
  std::string Settings() const;
  // A placement link (HASH), by the keyed digest of its token (never the token), and the SET of
  // the digests of one participant's links (so their erasure finds them).
  std::string PlacementLink(const std::string& digest) const;
  std::string PlacementLinks(const std::string& participant_id) const;
};

// Not a tenant's key: the list of tenants itself.
inline constexpr char kTenantsKey[] = "ipraktik:notification:tenants";

// Times and durations as stored: milliseconds.
std::string Millis(absl::Time time);
std::string Millis(absl::Duration duration);
// A stored number; 0 when it is missing or not a number.
std::int64_t ToInt(const std::string& text);
// An HGETALL reply as a map.
std::map<std::string, std::string> HashOf(const store::Reply& reply);

}  // namespace ipraktik::notification
