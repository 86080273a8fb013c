#include "reminder_scheduler.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "domain/ids.h"
#include "event_mapping.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/v1/notification_events.pb.h"

namespace ipraktik::notification {

ReminderScheduler::ReminderScheduler(DeliveryRepository& repository, EnvelopePublisher publish,
                                     absl::Duration poll_interval, Clock clock,
                                     logging::Logger logger)
    : repository_(repository),
      publish_(std::move(publish)),
      poll_interval_(poll_interval),
      clock_(std::move(clock)),
      logger_(std::move(logger)) {}

absl::StatusOr<int> ReminderScheduler::RunOnce() {
  auto tenants = repository_.Tenants();
  if (!tenants.ok()) return tenants.status();
  int published = 0;
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
      if (auto status = publish_(*envelope); !status.ok()) return status;
      // Published: a crash before this removal publishes it again, with the same id.
      if (auto status = repository_.RemoveReminder(tenant, reminder); !status.ok()) return status;
      ++published;
    }
  }
  return published;
}

void ReminderScheduler::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto published = RunOnce();
    if (!published.ok()) {
      logger_.Warning("reminders could not be handed on; trying again",
                      {{"error", published.status().ToString()}});
    } else if (*published > 0) {
      logger_.Info("reminders due", {{"published", *published}});
    }
    // Sleep in short steps so that a shutdown is not held up.
    for (absl::Duration slept; slept < poll_interval_ && !stop.stop_requested();
         slept += absl::Milliseconds(50)) {
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
}

}  // namespace ipraktik::notification
