#include "ipraktik/server/outbox_relay.h"

#include <memory>
#include <string>
#include <vector>

#include "ipraktik/server/application.h"

namespace ipraktik::server {

outbox::PublishBatch PublishToBus(bus::Publisher& publisher) {
  return [&publisher](std::span<const events::Envelope> events,
                      std::span<const std::string_view> serialized) {
    std::vector<bus::Message> messages(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      messages[i].routing_key = events[i].type();
      messages[i].type = events[i].type();
      messages[i].message_id = events[i].id();
      messages[i].correlation_id = events[i].correlation_id();
      messages[i].body = std::string(serialized[i]);
    }
    return publisher.PublishBatch(messages);
  };
}

absl::Status StartOutboxRelay(Application& app, std::vector<bus::QueueSpec> queues) {
  // Owned by the shutdown step, which is the last to need them.
  struct Parts {
    std::unique_ptr<bus::Publisher> publisher;
    std::unique_ptr<outbox::Relay> relay;
  };
  if (!app.spec().Needs(Resource::kRedis) || !app.spec().Needs(Resource::kBus)) {
    return absl::FailedPreconditionError(
        "the outbox relay needs server::Resource::kRedis and kBus in the service spec");
  }
  auto parts = std::make_shared<Parts>();
  bus::PublisherOptions publisher_options;
  publisher_options.connection = app.BusConnection("outbox");
  const bool declare = !queues.empty();
  publisher_options.queues = std::move(queues);
  auto publisher = bus::Publisher::Create(std::move(publisher_options));
  if (!publisher.ok()) return publisher.status();
  parts->publisher = std::make_unique<bus::Publisher>(*std::move(publisher));
  if (declare) {
    if (absl::Status connected = parts->publisher->Connect(); !connected.ok()) return connected;
  }
  parts->relay = std::make_unique<outbox::Relay>(app.redis(), app.spec().name,
                                                 PublishToBus(*parts->publisher), app.logger(),
                                                 outbox::RelayOptions{.registry = &app.metrics()});
  parts->relay->Start();
  app.OnShutdown("outbox relay", [parts] {
    parts->relay->Stop();
    parts->publisher->Close();
  });
  return absl::OkStatus();
}

}  // namespace ipraktik::server
