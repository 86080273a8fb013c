#pragma once

// The one way a service consumes events: an EventRouter per queue, with a handler per event
// type and the protobuf payload that type carries. The router reads the envelope once, unpacks
// the typed payload, dedupes by envelope id where asked, calls the handler, and turns its answer
// into what the bus does with the message; it counts every event by type and outcome.
//
//   server::EventRouter router({.name = "registration.matching-published",
//                               .redis = &app.redis(), .metrics = &app.metrics()});
//   router.On<v1::MatchingResultPublished>(
//       contract::kResultPublished,
//       [&](const v1::MatchingResultPublished& published, const server::EventContext& event) {
//         return registrar.RecordMatchingPublished(..., published.round().round_id());
//       },
//       {.dedupe = true});
//   server::StartEventConsumer(app, "matching-published", std::move(options), router);
//
// What happens to a message:
//   - not an envelope, or an invalid one: dead-lettered at once with the reason ("malformed");
//   - a type without a handler: dead-lettered with the reason ("unknown_type"), or acked when the
//     router's options list it among the types its queue may carry without being handled
//     ("ignored");
//   - a payload that is not the handler's message type: dead-lettered ("malformed");
//   - with dedupe, an envelope id already handled: acked ("duplicate");
//   - the handler's status: OK acked ("handled"); INVALID_ARGUMENT, NOT_FOUND or
//     FAILED_PRECONDITION (it will never work) dead-lettered with the status as the reason
//     ("rejected"); anything else retried later with backoff, and dead-lettered with the reason
//     once the queue's attempts are used up ("retried").
//
// A batch (events::BuildBatch: many events in one message, under a type registered with
// OnBatch) is opened and each event in it routed as if it had come alone, with the outcomes
// above; the events that are not done (retried, rejected, malformed, unknown) are retried or
// dead-lettered each on its own, as a message of its own, and the batch is acked
// (bus::Outcome::Split). Events are counted by their own type; the batch by its type, "handled"
// when every event in it was done and "split" when some were not.
//
// Handlers see no broker: the payload and an EventContext. A handler that is not naturally
// idempotent (a repeated event would change something again) asks for `.dedupe`: the event is
// claimed by its id (events::ProcessedEvents, a record per consumer and event in Redis) before
// the handler runs, recorded as done after success and released after a failure.
//
// Thread-safety: register every handler (On) before the consumer starts; Handle may then be
// called from any number of threads.

#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "ipraktik/bus/message.h"
#include "ipraktik/events/dedupe.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/store/pool.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace ipraktik::server {

// What a handler learns about the event besides its payload.
struct EventContext {
  const events::Envelope& envelope;
  // 1 for the first attempt, +1 for each retry the handler asked for.
  int attempt = 1;
  // Requested when the service stops: a long handler returns UNAVAILABLE soon after, and the
  // event is handled again later (without using an attempt).
  std::stop_token stop{};
};

template <typename Payload>
using EventHandler = std::function<absl::Status(const Payload& payload, const EventContext& event)>;

struct EventHandlerOptions {
  // Handle each envelope id once (for handlers that are not naturally idempotent). Needs the
  // router's redis.
  bool dedupe = false;
};

struct EventRouterOptions {
  // Names the consumer in its dedupe records ([a-z0-9._-]+, e.g. "notification.events").
  std::string name{};
  // Types the queue may carry that need no handling here: acked and counted, not dead-lettered.
  std::vector<std::string> ignored_types{};
  // Where dedupe records live; required when any handler dedupes.
  store::Pool* redis = nullptr;
  // Where the per-type counters go (none: not counted).
  prometheus::Registry* metrics = nullptr;
  // How long a handled event's id is remembered: longer than any redelivery can take.
  absl::Duration dedupe_retention = absl::Hours(24 * 7);
  // How long a claim holds an event: longer than the handler ever runs. After a crash mid-event
  // the redelivery waits (retries) this long before handling it again.
  absl::Duration dedupe_lease = absl::Minutes(5);
};

class EventRouter {
 public:
  explicit EventRouter(EventRouterOptions options);
  EventRouter(const EventRouter&) = delete;
  EventRouter& operator=(const EventRouter&) = delete;
  ~EventRouter();

  // Routes events of `type` to handler with their payload unpacked as Payload. One handler per
  // type; registering a type twice, or a dedupe without redis, aborts (a wiring mistake).
  template <typename Payload>
  EventRouter& On(std::string_view type, EventHandler<Payload> handler,
                  EventHandlerOptions options = {}) {
    Add(type, options, std::make_unique<Payload>(),
        [handler = std::move(handler)](const google::protobuf::Message& payload,
                                       const EventContext& event) {
          return handler(static_cast<const Payload&>(payload), event);
        });
    return *this;
  }

  // Envelopes of `type` are batches (v1::EventBatch) whose events are routed one by one by
  // their own types. A type registered twice, or also with On, aborts.
  EventRouter& OnBatch(std::string_view type);

  // The types with a handler (and the batch types): what the queue binds.
  std::vector<std::string> Types() const;

  // What the bus does with one delivery (the consumer's handler).
  bus::Outcome Handle(const bus::Delivery& delivery) const;

 private:
  using ErasedHandler =
      std::function<absl::Status(const google::protobuf::Message&, const EventContext&)>;
  struct Route;
  struct Counters;

  void Add(std::string_view type, EventHandlerOptions options,
           std::unique_ptr<google::protobuf::Message> prototype, ErasedHandler handler);
  bus::Outcome RouteEvent(const events::Envelope& envelope, const bus::Delivery& delivery) const;
  bus::Outcome Dispatch(const Route& route, const events::Envelope& envelope,
                        const bus::Delivery& delivery) const;
  bus::Outcome HandleBatch(const events::Envelope& batch, const bus::Delivery& delivery) const;
  void Count(std::string_view type, std::string_view outcome) const;

  EventRouterOptions options_;
  std::unique_ptr<events::ProcessedEvents> processed_;
  std::map<std::string, Route, std::less<>> routes_;
  std::vector<std::string> batch_types_;
  std::unique_ptr<Counters> counters_;
};

}  // namespace ipraktik::server
