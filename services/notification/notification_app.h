#pragma once

// The notification service's parts wired together, so that main.cc and the integration tests
// build the same thing: the templates, the SMTP connections, the repository, the Notifier
// consuming the service's queue on `senders` threads, the reminder scheduler, and the gRPC
// service. Its settings come from IPRAKTIK_* variables (ReadNotificationSettings).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "delivery_repository.h"
#include "domain/templates.h"
#include "ipraktik/bus/consumer.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/config/config.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/store/pool.h"
#include "notification_service.h"
#include "notifier.h"
#include "reminder_scheduler.h"
#include "smtp_transport.h"

namespace ipraktik::notification {

struct NotificationSettings {
  SmtpSettings smtp{};
  std::filesystem::path templates{};
  NotifierOptions notifier{};
  // Threads (and SMTP connections) sending at once.
  int senders = 4;
  std::string queue = "notification.events";
  bus::RetryPolicy retry{};
  absl::Duration reminder_poll = absl::Seconds(30);
  absl::Duration retention = absl::Hours(24 * 400);
};

// Reads every notification setting (see docs/operations.md).
NotificationSettings ReadNotificationSettings(config::Reader& reader);

// The queue's bindings: every event type the service sends e-mail for (and its own).
std::vector<std::string> NotificationBindings();

class NotificationApp {
 public:
  // connection(name) gives the bus connection options for a part (consumer, publishers).
  // consumer_stopped is called (on the consumer's thread) when the consumer stops for good, an
  // error reconnecting cannot fix: the process should then end, so that it is restarted rather
  // than left looking alive while it sends nothing. Unset: the error is only logged.
  static absl::StatusOr<std::unique_ptr<NotificationApp>> Start(
      const NotificationSettings& settings, store::Pool& redis,
      std::function<bus::ConnectionOptions(std::string_view name)> connection,
      prometheus::Registry* metrics, logging::Logger logger, server::Calls calls, Clock clock,
      std::function<void(const absl::Status&)> consumer_stopped = nullptr);
  ~NotificationApp();

  grpc::Service* service() { return service_.get(); }
  Notifier& notifier() { return *notifier_; }
  DeliveryRepository& repository() { return *repository_; }
  ReminderScheduler& scheduler() { return *scheduler_; }
  // True while the consumer is subscribed.
  bool Consuming() const;
  // Stops consuming (running sends get the bus's shutdown grace) and the scheduler. Idempotent.
  void Stop();

 private:
  NotificationApp() = default;

  std::unique_ptr<TemplateStore> templates_;
  std::unique_ptr<SmtpPool> smtp_;
  std::unique_ptr<DeliveryRepository> repository_;
  std::unique_ptr<NotificationMetrics> metrics_;
  std::unique_ptr<Notifier> notifier_;
  std::mutex publisher_mutex_;
  std::unique_ptr<bus::Publisher> publisher_;            // gRPC handlers (resend), guarded
  std::unique_ptr<bus::Publisher> scheduler_publisher_;  // the scheduler's thread only
  std::unique_ptr<ReminderScheduler> scheduler_;
  std::unique_ptr<NotificationServiceImpl> service_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::thread consumer_thread_;
  std::jthread scheduler_thread_;
  logging::Logger logger_{"notification"};
  bool stopped_ = false;
};

}  // namespace ipraktik::notification
