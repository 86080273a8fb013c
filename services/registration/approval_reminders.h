#pragma once

// Reminds the managers who have not decided, before the round's sign-up deadline: a pass over
// every tenant's due reminders (Registrar::RemindApprovals; the schedule is in Redis, so
// replicas and restarts remind once), repeated every poll interval. The time is the
// registrar's clock, so tests move it and run a pass.

#include <stop_token>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/logging/logger.h"
#include "registrar.h"

namespace ipraktik::registration {

struct ApprovalReminderOptions {
  absl::Duration poll_interval = absl::Minutes(1);
  int batch = 500;  // reminders per tenant and pass
};

class ApprovalReminders {
 public:
  // registrar must outlive this.
  ApprovalReminders(Registrar& registrar, ApprovalReminderOptions options, logging::Logger logger);

  // One pass over every tenant: how many managers were reminded.
  absl::StatusOr<int> RunOnce();
  // Passes every poll_interval until stop is requested.
  void Run(std::stop_token stop);

 private:
  Registrar& registrar_;
  ApprovalReminderOptions options_;
  logging::Logger logger_;
};

}  // namespace ipraktik::registration
