#pragma once

// What the notifier keeps between events, per tenant (keys ipraktik:{tenant}:notification:*, see
// docs/notification.md): the events messages came from (for resend and preview), the latest
// revision per placement and host offer, the scheduled reminders, and the tenants seen. A
// reminder whose time came leaves the schedule in the same script that appends its
// notification.reminder.due event to the tenant's outbox (libs/outbox).

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/pool.h"
#include "redis_batch.h"

namespace ipraktik::notification {

struct Reminder {
  std::string reminder_id{};  // "intern:<placement id>" or "host:<host offer id>"
  std::string source_event_id{};
  std::int64_t revision = 0;
  std::string kind{};
  absl::Time due = absl::UnixEpoch();
};

class SchedulingRepository {
 public:
  // retention: how long events and revisions are kept after their last change. redis and outbox
  // must outlive the repository.
  SchedulingRepository(store::Pool& redis, outbox::Outbox& outbox, absl::Duration retention);
  ~SchedulingRepository();

  // The serialized envelope a message came from, and the participants it names (so their
  // erasure finds it).
  absl::Status SaveEvent(const std::string& tenant, const std::string& event_id,
                         const std::string& envelope, const std::set<std::string>& people);
  // The same, sent with other calls (see RedisBatch).
  absl::Status SaveEvent(RedisBatch& batch, const std::string& tenant, const std::string& event_id,
                         const std::string& envelope, const std::set<std::string>& people);
  absl::StatusOr<std::optional<std::string>> LoadEvent(const std::string& tenant,
                                                       const std::string& event_id);
  // A saved event changed in place (its expiry stays); nothing when it has expired meanwhile.
  absl::Status ReplaceEvent(const std::string& tenant, const std::string& event_id,
                            const std::string& envelope);
  // The ids of the saved events that name the participant; ForgetMentions drops that list.
  absl::StatusOr<std::vector<std::string>> EventsNaming(const std::string& tenant,
                                                        const std::string& participant_id);
  absl::Status ForgetMentions(const std::string& tenant, const std::string& participant_id);

  // Records revision as the latest for scope/id unless a newer one was seen: false when this
  // revision is older than one already seen (a late event).
  absl::StatusOr<bool> AcceptRevision(const std::string& tenant, const std::string& scope,
                                      const std::string& id, std::int64_t revision);
  // The same, sent with other calls: `accepted` is set when the batch has run.
  absl::Status AcceptRevision(RedisBatch& batch, const std::string& tenant,
                              const std::string& scope, const std::string& id,
                              std::int64_t revision, bool& accepted);

  // The latest revision seen for scope/id (-1: none, or no longer kept).
  absl::StatusOr<std::int64_t> LatestRevision(const std::string& tenant, const std::string& scope,
                                              const std::string& id);

  // Schedules (or moves) a reminder unless a newer revision of it is scheduled.
  absl::Status ScheduleReminder(const std::string& tenant, const Reminder& reminder);
  absl::Status ScheduleReminder(RedisBatch& batch, const std::string& tenant,
                                const Reminder& reminder);
  // Drops a reminder scheduled from this revision or an older one.
  absl::Status CancelReminder(const std::string& tenant, const std::string& reminder_id,
                              std::int64_t revision);
  absl::StatusOr<std::vector<Reminder>> DueReminders(const std::string& tenant, absl::Time now,
                                                     int limit);
  // Removes a due reminder, if it still is that revision, and appends `due` (its
  // notification.reminder.due event) to the tenant's outbox in the same atomic step: false (and
  // no event) when the reminder was moved or dropped meanwhile.
  absl::StatusOr<bool> HandOn(const std::string& tenant, const Reminder& reminder,
                              const events::Envelope& due);

  // Tenants the service has seen (for the reminder scheduler, which runs for all of them).
  absl::Status RememberTenant(const std::string& tenant);
  absl::StatusOr<std::vector<std::string>> Tenants();

 private:
  struct Scripts;
  store::Pool& redis_;
  outbox::Outbox& outbox_;
  absl::Duration retention_;
  std::unique_ptr<Scripts> scripts_;
};

}  // namespace ipraktik::notification
