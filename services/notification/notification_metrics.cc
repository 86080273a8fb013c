#include "notification_metrics.h"

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>

#include "ipraktik/metrics/counters.h"

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
  duplicates_ = &metrics::SingleCounter(
      *registry_, "ipraktik_notification_duplicates_skipped_total",
      "Messages not sent because their record showed them done or being sent");
  erased_ = &metrics::SingleCounter(*registry_, "ipraktik_notification_participants_erased_total",
                                    "Participants whose messages and events were erased (GDPR)");
  skipped_erased_ =
      &metrics::SingleCounter(*registry_, "ipraktik_notification_erased_recipients_skipped_total",
                              "Messages not sent because their recipient's data was erased");
  // Every kind and the usual reasons at zero from the start: a rate or an alert over them has a
  // series to work on before the first e-mail (or failure) of its kind.
  for (MessageKind kind : kAllMessageKinds) SentCounter(kind);
  for (const char* reason : {"bad_address", "rejected", "gave_up"}) FailedCounter(reason);
  for (const char* reason : {"transient", "no_answer", "server_setup", "template"}) {
    RetriedCounter(reason);
  }
}

prometheus::Counter& NotificationMetrics::SentCounter(MessageKind kind) {
  return metrics::CounterFamily(*registry_, "ipraktik_notification_emails_sent_total",
                                "E-mails the SMTP server accepted, by kind")
      .Add({{"kind", MessageKindName(kind)}});
}

prometheus::Counter& NotificationMetrics::FailedCounter(const std::string& reason) {
  return metrics::CounterFamily(
             *registry_, "ipraktik_notification_emails_failed_total",
             "E-mails given up on, by reason (bad_address, rejected, gave_up, template, no_answer)")
      .Add({{"reason", reason}});
}

prometheus::Counter& NotificationMetrics::RetriedCounter(const std::string& reason) {
  return metrics::CounterFamily(*registry_, "ipraktik_notification_emails_retried_total",
                                "Sends that failed for now and will be tried again, by reason")
      .Add({{"reason", reason}});
}

void NotificationMetrics::Sent(MessageKind kind, absl::Duration latency) {
  if (registry_ == nullptr) return;
  SentCounter(kind).Increment();
  latency_->Observe(absl::ToDoubleSeconds(latency));
}

void NotificationMetrics::Failed(const std::string& reason) {
  if (registry_ != nullptr) FailedCounter(reason).Increment();
}

void NotificationMetrics::Retried(const std::string& reason) {
  if (registry_ != nullptr) RetriedCounter(reason).Increment();
}

void NotificationMetrics::Duplicate() { metrics::Increment(duplicates_); }

void NotificationMetrics::Erased() { metrics::Increment(erased_); }

void NotificationMetrics::SkippedErased() { metrics::Increment(skipped_erased_); }

void NotificationMetrics::QueueLag(absl::Duration lag) {
  if (lag_ != nullptr) lag_->Observe(absl::ToDoubleSeconds(std::max(lag, absl::ZeroDuration())));
}

}  // namespace ipraktik::notification
