#include "approval_reminders.h"

#include "ipraktik/server/periodic.h"

namespace ipraktik::registration {

ApprovalReminders::ApprovalReminders(Registrar& registrar, ApprovalReminderOptions options,
                                     logging::Logger logger)
    : registrar_(registrar), options_(options), logger_(std::move(logger)) {}

absl::StatusOr<int> ApprovalReminders::RunOnce() {
  auto tenants = registrar_.repository().Tenants();
  if (!tenants.ok()) return tenants.status();
  int reminded = 0;
  for (const std::string& tenant : *tenants) {
    auto count = registrar_.RemindApprovals(tenant, options_.batch);
    if (!count.ok()) return count.status();
    reminded += *count;
  }
  return reminded;
}

void ApprovalReminders::Run(std::stop_token stop) {
  server::RunPeriodically(stop, options_.poll_interval, [this] {
    auto reminded = RunOnce();
    if (!reminded.ok()) {
      logger_.Warning("approval reminders could not be sent; trying again",
                      {{"error", reminded.status().ToString()}});
    } else if (*reminded > 0) {
      logger_.Info("approval reminders requested", {{"reminders", *reminded}});
    }
  });
}

}  // namespace ipraktik::registration
