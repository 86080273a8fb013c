#include "notification_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>

namespace ipraktik::notification {

NotificationMetrics::NotificationMetrics(prometheus::Registry* registry) : registry_(registry) {
  if (registry_ == nullptr) return;
  latency_ = &prometheus::BuildHistogram()
                  .Name("ipraktik_notification_send_seconds")
                  .Help("Time of one SMTP transaction that the server accepted")
                  .Register(*registry_)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1,
                                                                   0.25, 0.5, 1, 2.5, 5, 10, 30});
  lag_ = &prometheus::BuildHistogram()
              .Name("ipraktik_notification_queue_lag_seconds")
              .Help("Time from an event's occurrence to the notification service taking it up")
              .Register(*registry_)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 5, 15, 60, 300, 900,
                                                               3600, 4 * 3600, 24 * 3600});
  duplicates_ = &prometheus::BuildCounter()
                     .Name("ipraktik_notification_duplicates_skipped_total")
                     .Help("Messages not sent because their record showed them done or being sent")
                     .Register(*registry_)
                     .Add({});
  erased_ = &prometheus::BuildCounter()
                 .Name("ipraktik_notification_participants_erased_total")
                 .Help("Participants whose messages and events were erased (GDPR)")
                 .Register(*registry_)
                 .Add({});
  skipped_erased_ = &prometheus::BuildCounter()
                         .Name("ipraktik_notification_erased_recipients_skipped_total")
                         .Help("Messages not sent because their recipient's data was erased")
                         .Register(*registry_)
                         .Add({});
}

void NotificationMetrics::Sent(MessageKind kind, absl::Duration latency) {
  if (registry_ == nullptr) return;
  prometheus::BuildCounter()
      .Name("ipraktik_notification_emails_sent_total")
      .Help("E-mails the SMTP server accepted, by kind")
      .Register(*registry_)
      .Add({{"kind", MessageKindName(kind)}})
      .Increment();
  latency_->Observe(absl::ToDoubleSeconds(latency));
}

void NotificationMetrics::Failed(const std::string& reason) {
  if (registry_ == nullptr) return;
  prometheus::BuildCounter()
      .Name("ipraktik_notification_emails_failed_total")
      .Help("E-mails given up on, by reason (bad_address, rejected, gave_up, template, no_answer)")
      .Register(*registry_)
      .Add({{"reason", reason}})
      .Increment();
}

void NotificationMetrics::Retried(const std::string& reason) {
  if (registry_ == nullptr) return;
  prometheus::BuildCounter()
      .Name("ipraktik_notification_emails_retried_total")
      .Help("Sends that failed for now and will be tried again, by reason")
      .Register(*registry_)
      .Add({{"reason", reason}})
      .Increment();
}

void NotificationMetrics::Duplicate() {
  if (duplicates_ != nullptr) duplicates_->Increment();
}

void NotificationMetrics::Erased() {
  if (erased_ != nullptr) erased_->Increment();
}

void NotificationMetrics::SkippedErased() {
  if (skipped_erased_ != nullptr) skipped_erased_->Increment();
}

void NotificationMetrics::QueueLag(absl::Duration lag) {
  if (lag_ != nullptr) lag_->Observe(absl::ToDoubleSeconds(std::max(lag, absl::ZeroDuration())));
}

}  // namespace ipraktik::notification
