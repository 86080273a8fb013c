#include "ipraktik/server/event_router.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::server {
namespace {

// The type label of an event whose type has no route (or could not be read): the label stays
// bounded whatever arrives.
constexpr std::string_view kUnknownType = "unknown";

constexpr std::string_view kHandled = "handled";
constexpr std::string_view kDuplicate = "duplicate";
constexpr std::string_view kIgnored = "ignored";
constexpr std::string_view kRetried = "retried";
constexpr std::string_view kRejected = "rejected";
constexpr std::string_view kMalformed = "malformed";
constexpr std::string_view kUnknownTypeOutcome = "unknown_type";
// A batch some of whose events were retried or dead-lettered on their own.
constexpr std::string_view kSplit = "split";
constexpr std::string_view kRoutedOutcomes[] = {kHandled, kDuplicate, kRetried, kRejected,
                                                kMalformed};

// A handler's failure that no retry can fix.
bool IsPermanent(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsNotFound(status) ||
         absl::IsFailedPrecondition(status);
}

// The reason a dead-letter or retry carries: code, message and each field violation (a
// malformed envelope names every bad field).
std::string Reason(const absl::Status& status) {
  std::string reason =
      absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
  for (const errors::FieldViolation& violation : errors::FieldViolationsOf(status)) {
    absl::StrAppend(&reason, "; ", violation.field, " ", violation.description);
  }
  return reason;
}

absl::Status CallHandler(const std::function<absl::Status(const google::protobuf::Message&,
                                                          const EventContext&)>& handler,
                         const google::protobuf::Message& payload, const EventContext& event) {
  // What the bus does with an exception (a retry), but counted here.
  try {
    return handler(payload, event);
  } catch (const std::exception& exception) {
    return absl::InternalError(absl::StrCat("the handler threw: ", exception.what()));
  }
}

}  // namespace

struct EventRouter::Route {
  EventHandlerOptions options;
  std::unique_ptr<google::protobuf::Message> prototype;
  ErasedHandler handler;
};

struct EventRouter::Counters {
  prometheus::Family<prometheus::Counter>* family = nullptr;
  // By type, then outcome (one of the constants above). Filled before consuming starts, read
  // without a lock after.
  std::map<std::string, std::map<std::string_view, prometheus::Counter*>, std::less<>> counters;

  void Prepare(std::string_view type, std::string_view outcome) {
    if (family == nullptr) return;
    counters[std::string(type)][outcome] =
        &family->Add({{"type", std::string(type)}, {"outcome", std::string(outcome)}});
  }
};

EventRouter::EventRouter(EventRouterOptions options)
    : options_(std::move(options)), counters_(std::make_unique<Counters>()) {
  if (options_.redis != nullptr) {
    processed_ = std::make_unique<events::ProcessedEvents>(*options_.redis, options_.name,
                                                           options_.dedupe_retention);
  }
  if (options_.metrics != nullptr) {
    // Registering a family that exists returns it: every router of a process shares it.
    counters_->family = &prometheus::BuildCounter()
                             .Name("ipraktik_events_consumed_total")
                             .Help("Events taken off the bus, by event type and outcome")
                             .Register(*options_.metrics);
  }
  counters_->Prepare(kUnknownType, kMalformed);
  counters_->Prepare(kUnknownType, kUnknownTypeOutcome);
  for (const std::string& type : options_.ignored_types) counters_->Prepare(type, kIgnored);
}

EventRouter::~EventRouter() = default;

void EventRouter::Add(std::string_view type, EventHandlerOptions options,
                      std::unique_ptr<google::protobuf::Message> prototype, ErasedHandler handler) {
  // Wiring mistakes, found by the first start of the service (and its tests).
  if (options.dedupe && processed_ == nullptr) {
    std::cerr << "EventRouter " << options_.name << ": " << type
              << " dedupes, but the router has no redis\n";
    std::abort();
  }
  auto [route, added] =
      routes_.emplace(std::string(type), Route{options, std::move(prototype), std::move(handler)});
  if (!added) {
    std::cerr << "EventRouter " << options_.name << ": a second handler for " << type << "\n";
    std::abort();
  }
  for (std::string_view outcome : kRoutedOutcomes) counters_->Prepare(type, outcome);
}

EventRouter& EventRouter::OnBatch(std::string_view type) {
  if (routes_.contains(type) ||
      std::find(batch_types_.begin(), batch_types_.end(), type) != batch_types_.end()) {
    std::cerr << "EventRouter " << options_.name << ": " << type << " registered twice\n";
    std::abort();
  }
  batch_types_.emplace_back(type);
  for (std::string_view outcome : {kHandled, kSplit, kMalformed}) counters_->Prepare(type, outcome);
  return *this;
}

std::vector<std::string> EventRouter::Types() const {
  std::vector<std::string> types;
  for (const auto& [type, route] : routes_) types.push_back(type);
  types.insert(types.end(), batch_types_.begin(), batch_types_.end());
  return types;
}

void EventRouter::Count(std::string_view type, std::string_view outcome) const {
  auto of_type = counters_->counters.find(type);
  if (of_type == counters_->counters.end()) return;
  if (auto counter = of_type->second.find(outcome); counter != of_type->second.end()) {
    counter->second->Increment();
  }
}

bus::Outcome EventRouter::Handle(const bus::Delivery& delivery) const {
  absl::StatusOr<events::Envelope> envelope = events::ParseEnvelope(delivery.body);
  if (!envelope.ok()) {
    Count(kUnknownType, kMalformed);
    return bus::Outcome::DeadLetter(Reason(envelope.status()));
  }
  if (std::find(batch_types_.begin(), batch_types_.end(), envelope->type()) != batch_types_.end()) {
    return HandleBatch(*envelope, delivery);
  }
  return RouteEvent(*envelope, delivery);
}

bus::Outcome EventRouter::RouteEvent(const events::Envelope& envelope,
                                     const bus::Delivery& delivery) const {
  const std::string& type = envelope.type();
  if (auto route = routes_.find(type); route != routes_.end()) {
    return Dispatch(route->second, envelope, delivery);
  }
  if (std::find(options_.ignored_types.begin(), options_.ignored_types.end(), type) !=
      options_.ignored_types.end()) {
    Count(type, kIgnored);
    return bus::Outcome::Ack();
  }
  Count(kUnknownType, kUnknownTypeOutcome);
  return bus::Outcome::DeadLetter(
      absl::StrCat("UNIMPLEMENTED: ", options_.name, " has no handler for event type ", type));
}

bus::Outcome EventRouter::HandleBatch(const events::Envelope& batch,
                                      const bus::Delivery& delivery) const {
  absl::StatusOr<std::vector<events::BatchedEvent>> events = events::UnpackBatch(batch);
  if (!events.ok()) {
    Count(batch.type(), kMalformed);
    return bus::Outcome::DeadLetter(Reason(events.status()));
  }
  std::vector<bus::Outcome::Part> failed;
  for (const events::BatchedEvent& batched : *events) {
    if (delivery.stop.stop_requested()) {
      // The rest is not handled: all of it goes back to the queue (what was done is done again,
      // idempotently), as any handler interrupted by the shutdown.
      return bus::Outcome::Retry("the service is stopping");
    }
    bus::Outcome outcome = bus::Outcome::Ack();
    if (!batched.valid.ok()) {
      Count(kUnknownType, kMalformed);
      outcome = bus::Outcome::DeadLetter(Reason(batched.valid));
    } else {
      outcome = RouteEvent(batched.event, delivery);
    }
    if (outcome.kind() == bus::Outcome::Kind::kAck) continue;
    failed.push_back({.kind = outcome.kind(),
                      .reason = outcome.reason(),
                      .body = batched.event.SerializeAsString(),
                      .message_id = batched.event.id(),
                      .routing_key = batched.event.type()});
  }
  if (failed.empty()) {
    Count(batch.type(), kHandled);
    return bus::Outcome::Ack();
  }
  Count(batch.type(), kSplit);
  return bus::Outcome::Split(std::move(failed));
}

bus::Outcome EventRouter::Dispatch(const Route& route, const events::Envelope& envelope,
                                   const bus::Delivery& delivery) const {
  const std::string& type = envelope.type();
  std::unique_ptr<google::protobuf::Message> payload(route.prototype->New());
  if (absl::Status unpacked = events::UnpackPayloadTo(envelope, *payload); !unpacked.ok()) {
    Count(type, kMalformed);
    return bus::Outcome::DeadLetter(Reason(unpacked));
  }
  if (route.options.dedupe) {
    absl::StatusOr<events::ProcessedEvents::Claim> claim =
        processed_->TryClaim(envelope, options_.dedupe_lease);
    if (!claim.ok()) {
      Count(type, kRetried);
      return bus::Outcome::Retry(absl::StrCat("claiming the event: ", Reason(claim.status())));
    }
    if (*claim == events::ProcessedEvents::Claim::kDone) {
      Count(type, kDuplicate);
      return bus::Outcome::Ack();
    }
    if (*claim == events::ProcessedEvents::Claim::kBusy) {
      Count(type, kRetried);
      return bus::Outcome::Retry(
          absl::StrCat("event ", envelope.id(), " is being handled by another consumer"));
    }
  }

  const EventContext context{
      .envelope = envelope, .attempt = delivery.attempt, .stop = delivery.stop};
  const absl::Status status = CallHandler(route.handler, *payload, context);
  if (route.options.dedupe) {
    // Should either step fail, the claim runs out after the lease: a redelivery is then handled
    // again (at least once), never lost.
    (status.ok() ? processed_->Complete(envelope) : processed_->Forget(envelope)).IgnoreError();
  }
  if (status.ok()) {
    Count(type, kHandled);
    return bus::Outcome::Ack();
  }
  if (IsPermanent(status)) {
    Count(type, kRejected);
    return bus::Outcome::DeadLetter(Reason(status));
  }
  Count(type, kRetried);
  return bus::Outcome::Retry(Reason(status));
}

}  // namespace ipraktik::server
