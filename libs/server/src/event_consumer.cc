#include "ipraktik/server/event_consumer.h"

#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/server/application.h"

namespace ipraktik::server {

absl::Status StartEventConsumer(Application& app, std::string name, bus::ConsumerOptions options,
                                bus::Handler handler) {
  // Owned by the shutdown step, which is the last to need them.
  struct Parts {
    std::unique_ptr<bus::Consumer> consumer;
    std::thread thread;
  };
  auto parts = std::make_shared<Parts>();
  options.connection = app.BusConnection(name);
  auto consumer = bus::Consumer::Create(std::move(options), std::move(handler));
  if (!consumer.ok()) return consumer.status();
  parts->consumer = std::make_unique<bus::Consumer>(*std::move(consumer));
  parts->thread = std::thread([consumer = parts->consumer.get(), &app, name] {
    if (absl::Status status = consumer->Run(); !status.ok()) {
      app.RequestShutdown(absl::StrCat(name, " consumer: ", status.ToString()));
    }
  });
  app.OnShutdown(absl::StrCat(name, " consumer"), [parts] {
    parts->consumer->Stop();
    if (parts->thread.joinable()) parts->thread.join();
  });
  return absl::OkStatus();
}

}  // namespace ipraktik::server
