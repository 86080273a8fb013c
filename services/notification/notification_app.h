#pragma once

// The notification service's parts wired together, so that main.cc and the integration tests
// build the same thing: the templates, the SMTP connections, the repositories, the Notifier with
// the event router that hands it the service's queue, the reminder scheduler, and the gRPC
// service. Its settings come from IPRAKTIK_* variables (ReadNotificationSettings). The queue is
// consumed with server::StartEventConsumer(consumer_options(), router()) on `senders` threads.
// The events the service emits itself (resends, due reminders) go to the tenant's outbox: the
// process runs the outbox relay that publishes them (server::StartOutboxRelay with
// NotificationQueue).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "delivery_repository.h"
#include "domain/templates.h"
#include "ipraktik/bus/consumer.h"
#include "ipraktik/config/config.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/server/event_router.h"
#include "ipraktik/store/pool.h"
#include "notification_service.h"
#include "notifier.h"
#include "placement_desk.h"
#include "placement_link_repository.h"
#include "reminder_scheduler.h"
#include "scheduling_repository.h"
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
// The service's queue, declared by its consumer and by the outbox relay's publisher (so that a
// resend or reminder is kept even before the consumer first declared the queue).
bus::QueueSpec NotificationQueue(const NotificationSettings& settings);

// The router of the service's queue: each type in NotificationBindings to its Notifier method.
// notifier must outlive it.
std::unique_ptr<server::EventRouter> NotificationRouter(Notifier& notifier,
                                                        prometheus::Registry* metrics);

class NotificationApp {
 public:
  // record_change: how a decline or withdrawal through a placement link reaches the matching
  // service (none: such calls are answered UNAVAILABLE).
  static absl::StatusOr<std::unique_ptr<NotificationApp>> Start(
      const NotificationSettings& settings, store::Pool& redis, prometheus::Registry* metrics,
      logging::Logger logger, server::Calls calls, Clock clock,
      RecordPlacementChange record_change = nullptr);
  ~NotificationApp();

  grpc::Service* service() { return service_.get(); }
  Notifier& notifier() { return *notifier_; }
  DeliveryRepository& repository() { return *repository_; }
  ReminderScheduler& scheduler() { return *scheduler_; }
  // What to consume: the queue (NotificationBindings) and `senders` handler threads; the
  // connection is the caller's.
  bus::ConsumerOptions consumer_options() const;
  // Hands each event of the queue to the Notifier; outlives the consumer the caller runs.
  const server::EventRouter& router() const { return *router_; }
  // Stops the scheduler and closes the publishers (after the consumer stopped). Idempotent.
  void Stop();

 private:
  NotificationApp() = default;

  std::unique_ptr<TemplateStore> templates_;
  std::unique_ptr<SmtpPool> smtp_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<DeliveryRepository> repository_;
  std::unique_ptr<SchedulingRepository> scheduling_;
  std::unique_ptr<PlacementLinkRepository> links_;
  std::unique_ptr<PlacementDesk> desk_;
  std::unique_ptr<NotificationMetrics> metrics_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<ReminderScheduler> scheduler_;
  std::unique_ptr<NotificationServiceImpl> service_;
  bus::QueueSpec queue_;
  int handler_threads_ = 1;
  std::unique_ptr<server::EventRouter> router_;
  std::jthread scheduler_thread_;
  bool stopped_ = false;
};

}  // namespace ipraktik::notification
