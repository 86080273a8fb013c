#pragma once

// Hands reminders whose time came on as notification.reminder.due events, one thread for all
// tenants: each reminder leaves the schedule in the same Redis script that appends its event to
// the tenant's outbox, and the service's outbox relay publishes it to the service's own queue.
// The event's id derives from the reminder and its revision, and two replicas that find the same
// reminder due hand it on once (the second finds it gone); a relay that publishes an entry twice
// still yields one e-mail: the consumer's once-only record sees the same message id.

#include <functional>
#include <stop_token>

#include "absl/time/time.h"
#include "domain/delivery.h"
#include "ipraktik/logging/logger.h"
#include "scheduling_repository.h"

namespace ipraktik::notification {

class ReminderScheduler {
 public:
  ReminderScheduler(SchedulingRepository& repository, absl::Duration poll_interval, Clock clock,
                    logging::Logger logger);

  // One pass over every tenant: hands on what is due; returns how many were handed on.
  absl::StatusOr<int> RunOnce();
  // Passes every poll_interval until stop is requested.
  void Run(std::stop_token stop);

 private:
  SchedulingRepository& repository_;
  absl::Duration poll_interval_;
  Clock clock_;
  logging::Logger logger_;
};

}  // namespace ipraktik::notification
