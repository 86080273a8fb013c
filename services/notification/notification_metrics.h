#pragma once

// The notification service's metrics (docs/notification.md lists them): e-mails sent, failed and
// retried, duplicates skipped, erasures, send latency and queue lag.

#include <string>

#include "absl/time/time.h"
#include "domain/model.h"

namespace prometheus {
class Registry;
class Counter;
class Histogram;
}  // namespace prometheus

namespace ipraktik::notification {

// The metrics the issue asks for, registered once per process.
class NotificationMetrics {
 public:
  explicit NotificationMetrics(prometheus::Registry* registry);
  void Sent(MessageKind kind, absl::Duration latency);
  void Failed(const std::string& reason);
  void Retried(const std::string& reason);
  void Duplicate();
  // A participant's data erased; a message not sent because its recipient was erased.
  void Erased();
  void SkippedErased();
  void QueueLag(absl::Duration lag);

 private:
  // The labelled counters, registered on first use (the constructor makes the known ones).
  prometheus::Counter& SentCounter(MessageKind kind);
  prometheus::Counter& FailedCounter(const std::string& reason);
  prometheus::Counter& RetriedCounter(const std::string& reason);

  prometheus::Registry* registry_;
  prometheus::Histogram* latency_ = nullptr;
  prometheus::Histogram* lag_ = nullptr;
  prometheus::Counter* duplicates_ = nullptr;
  prometheus::Counter* erased_ = nullptr;
  prometheus::Counter* skipped_erased_ = nullptr;
};

}  // namespace ipraktik::notification
