#pragma once

// How a service consumes events from RabbitMQ: a bus::Consumer on a thread of its own that hands
// every delivery to an EventRouter (event_router.h), started during Service::Start and stopped
// (in-flight deliveries finished) at shutdown. A consumer that stops for good (the broker gone
// past every reconnect) shuts the service down, so that the orchestrator restarts it rather than
// leaving a service that looks alive but takes nothing. While it is not subscribed (reconnecting
// after the broker went, or not yet started) the service is not ready: StartEventConsumer
// reports it to Application::readiness() as "consumer:<queue>".
//
// The router must outlive the consumer: make it a member of the service.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ipraktik/bus/consumer.h"
#include "ipraktik/server/event_router.h"

namespace ipraktik::server {

class Application;

// `name` names the consumer's connection, log lines and shutdown step. A queue without bindings
// is bound to the router's types.
absl::Status StartEventConsumer(Application& app, std::string name, bus::ConsumerOptions options,
                                const EventRouter& router);

// The running consumer StartEventConsumer registers with the application; on its own for
// in-process test harnesses that have no Application.
class EventConsumer {
 public:
  // stopped_for_good is called (on the consumer's thread) with the error when the consumer
  // stops for a reason reconnecting cannot fix.
  static absl::StatusOr<std::unique_ptr<EventConsumer>> Start(
      bus::ConsumerOptions options, const EventRouter& router,
      std::function<void(const absl::Status&)> stopped_for_good);
  EventConsumer(const EventConsumer&) = delete;
  EventConsumer& operator=(const EventConsumer&) = delete;
  // Stops.
  ~EventConsumer();

  // Stops consuming; running handlers get the consumer's shutdown grace. Idempotent.
  void Stop();
  // True while subscribed (for readiness checks and tests).
  bool Running() const;

 private:
  explicit EventConsumer(bus::Consumer consumer);

  bus::Consumer consumer_;
  std::thread thread_;
};

}  // namespace ipraktik::server
