#pragma once

// Hands reminders whose time came to the service's own queue as notification.reminder.due
// events, one thread for all tenants. The event's id derives from the reminder and its
// revision, so two replicas (or a crash between publishing and removing) yield one e-mail: the
// consumer's once-only record sees the same message id.

#include <functional>
#include <stop_token>

#include "absl/time/time.h"
#include "delivery_repository.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/logging/logger.h"
#include "notifier.h"

namespace ipraktik::notification {

using EnvelopePublisher = std::function<absl::Status(const events::Envelope& envelope)>;

class ReminderScheduler {
 public:
  ReminderScheduler(DeliveryRepository& repository, EnvelopePublisher publish,
                    absl::Duration poll_interval, Clock clock, logging::Logger logger);

  // One pass over every tenant: publishes what is due; returns how many were published.
  absl::StatusOr<int> RunOnce();
  // Passes every poll_interval until stop is requested.
  void Run(std::stop_token stop);

 private:
  DeliveryRepository& repository_;
  EnvelopePublisher publish_;
  absl::Duration poll_interval_;
  Clock clock_;
  logging::Logger logger_;
};

}  // namespace ipraktik::notification
