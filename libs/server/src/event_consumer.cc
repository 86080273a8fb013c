#include "ipraktik/server/event_consumer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/server/application.h"

namespace ipraktik::server {

absl::StatusOr<std::unique_ptr<EventConsumer>> EventConsumer::Start(
    bus::ConsumerOptions options, const EventRouter& router,
    std::function<void(const absl::Status&)> stopped_for_good) {
  if (options.queue.bindings.empty()) options.queue.bindings = router.Types();
  auto consumer = bus::Consumer::Create(
      std::move(options),
      [&router](const bus::Delivery& delivery) { return router.Handle(delivery); });
  if (!consumer.ok()) return consumer.status();
  std::unique_ptr<EventConsumer> running(new EventConsumer(*std::move(consumer)));
  running->thread_ =
      std::thread([consumer = &running->consumer_, stopped_for_good = std::move(stopped_for_good)] {
        if (absl::Status status = consumer->Run(); !status.ok() && stopped_for_good) {
          stopped_for_good(status);
        }
      });
  return running;
}

EventConsumer::EventConsumer(bus::Consumer consumer) : consumer_(std::move(consumer)) {}

EventConsumer::~EventConsumer() { Stop(); }

void EventConsumer::Stop() {
  consumer_.Stop();
  if (thread_.joinable()) thread_.join();
}

bool EventConsumer::Running() const { return consumer_.Running(); }

absl::Status StartEventConsumer(Application& app, std::string name, bus::ConsumerOptions options,
                                const EventRouter& router) {
  options.connection = app.BusConnection(name);
  // Ready only while subscribed: down from now until the consumer first consumes.
  std::string dependency = absl::StrCat("consumer:", options.queue.name);
  app.readiness().Set(dependency, false);
  options.on_running = [&readiness = app.readiness(), dependency](bool running) {
    readiness.Set(dependency, running);
  };
  auto consumer =
      EventConsumer::Start(std::move(options), router, [&app, name](const absl::Status& status) {
        app.RequestShutdown(absl::StrCat(name, " consumer: ", status.ToString()));
      });
  if (!consumer.ok()) return consumer.status();
  // Owned by the shutdown step, which is the last to need it.
  std::shared_ptr<EventConsumer> running = *std::move(consumer);
  app.OnShutdown(absl::StrCat(name, " consumer"), [running] { running->Stop(); });
  return absl::OkStatus();
}

}  // namespace ipraktik::server
