#pragma once

// Consumer-side dedupe by event id. The bus delivers at least once (a redelivery after a lost
// ack, an outbox entry published twice by two relay replicas), so each consumer keeps a record
// of the events it has processed, one key per event with a retention TTL:
//   ipraktik:{<tenant>}:processed:<consumer>:<event id>
// The retention must be longer than any event can take to be redelivered (days, not minutes).
//
// server::EventRouter's `.dedupe` uses it: Claim the event before handling it, Complete it after
// success, Forget it after a failure. A claim is a lease: if the consumer dies mid-handler, the
// redelivery finds the claim busy until the lease runs out, and then handles the event itself,
// so a crash never loses an event and a concurrent duplicate never runs beside the first.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::events {

class ProcessedEvents {
 public:
  // consumer names the consumer ([a-z0-9._-]+, e.g. "notification.placement-mail"): each keeps
  // its own record. redis must outlive this object.
  ProcessedEvents(store::Pool& redis, std::string consumer,
                  absl::Duration retention = absl::Hours(24 * 7));

  // The record key of an event; INVALID_ARGUMENT for a bad tenant, event id or consumer name.
  absl::StatusOr<std::string> Key(const Envelope& event) const;

  enum class Claim {
    kClaimed,  // this caller handles the event now (and then calls Complete or Forget)
    kDone,     // processed before: a duplicate
    kBusy,     // claimed by another caller whose lease has not run out: try again later
  };
  // Claims the event for `lease`. Exactly one of any number of concurrent callers gets kClaimed.
  absl::StatusOr<Claim> TryClaim(const Envelope& event, absl::Duration lease);
  // Records a claimed event as processed, for the retention.
  absl::Status Complete(const Envelope& event);
  // Removes the record (a claim or a completion), so a redelivery processes the event again.
  absl::Status Forget(const Envelope& event);

  const std::string& consumer() const { return consumer_; }
  absl::Duration retention() const { return retention_; }

 private:
  store::Pool& redis_;
  std::string consumer_;
  absl::Duration retention_;
  store::Script claim_script_;
};

}  // namespace ipraktik::events
