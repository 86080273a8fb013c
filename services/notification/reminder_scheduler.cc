#include "reminder_scheduler.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "domain/ids.h"
#include "event_mapping.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/server/periodic.h"
#include "ipraktik/v1/notification_events.pb.h"

namespace ipraktik::notification {

ReminderScheduler::ReminderScheduler(SchedulingRepository& repository, absl::Duration poll_interval,
                                     Clock clock, logging::Logger logger)
    : repository_(repository),
      poll_interval_(poll_interval),
      clock_(std::move(clock)),
      logger_(std::move(logger)) {}

absl::StatusOr<int> ReminderScheduler::RunOnce() {
  auto tenants = repository_.Tenants();
  if (!tenants.ok()) return tenants.status();
  int handed_on = 0;
  for (const auto& tenant : *tenants) {
    auto due = repository_.DueReminders(tenant, clock_(), 500);
    if (!due.ok()) return due.status();
    for (const auto& reminder : *due) {
      v1::ReminderDue payload;
      payload.set_reminder_id(reminder.reminder_id);
      payload.set_source_event_id(reminder.source_event_id);
      payload.set_revision(reminder.revision);
      if (auto kind = ParseMessageKind(reminder.kind)) payload.set_kind(ToProto(*kind));
      auto envelope = events::BuildEnvelope({.type = contract::kReminderDue, .tenant = tenant},
                                            payload, reminder.due);
      if (!envelope.ok()) return envelope.status();
      envelope->set_id(NameBasedUuid(absl::StrCat(
          "reminder\x1f", tenant, "\x1f", reminder.reminder_id, "\x1f", reminder.revision)));
      // Leaves the schedule and enters the outbox in one step: a crash before it leaves the
      // reminder due, a crash after it leaves the event for the outbox relay.
      auto taken = repository_.HandOn(tenant, reminder, *envelope);
      if (!taken.ok()) return taken.status();
      if (*taken) ++handed_on;
    }
  }
  return handed_on;
}

void ReminderScheduler::Run(std::stop_token stop) {
  server::RunPeriodically(stop, poll_interval_, [this] {
    auto handed_on = RunOnce();
    if (!handed_on.ok()) {
      logger_.Warning("reminders could not be handed on; trying again",
                      {{"error", handed_on.status().ToString()}});
    } else if (*handed_on > 0) {
      logger_.Info("reminders due", {{"handed_on", *handed_on}});
    }
  });
}

}  // namespace ipraktik::notification
