// ipraktik-notification: e-mails every participant about their placement, once, in their
// language. The process skeleton (settings, logs, metrics, Redis, RabbitMQ, gRPC health and
// reflection, graceful shutdown, the outbox relay) is libs/server's; the service's parts are
// NotificationApp.
#include <memory>
#include <string>

#include "grpcpp/create_channel.h"
#include "ipraktik/server/application.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/outbox_relay.h"
#include "matching_client.h"
#include "notification_app.h"

namespace {

using namespace ipraktik;

class Notification : public server::Service {
 public:
  void ReadSettings(config::Reader& reader) override {
    settings_ = notification::ReadNotificationSettings(reader);
    matching_ = reader.Address(
        "IPRAKTIK_MATCHING_ADDRESS", "127.0.0.1:7102",
        "The matching service: a host's decline or an intern's withdrawal through the link of a "
        "placement e-mail is recorded there (RecordPlacementChange).");
    matching_key_ = reader.Secret(
        "IPRAKTIK_MATCHING_API_KEY",
        "A service key (role service) the notification service records placement changes with "
        "at the matching service (ipraktik keys create --role service).");
  }

  absl::Status Start(server::Application& app) override {
    // The one server secret (IPRAKTIK_TOKEN_SECRET) derives the placement links' tokens and keys
    // their digests.
    settings_.notifier.links.token_secret = app.settings().token_secret;
    auto started = notification::NotificationApp::Start(
        settings_, app.redis(), &app.metrics(), app.logger(), app.calls(),
        [] { return absl::Now(); },
        notification::MatchingPlacementChanges(
            grpc::CreateChannel(matching_.ToString(), app.ChannelCredentials()), matching_key_));
    if (!started.ok()) return started.status();
    app_ = *std::move(started);
    // Publishes the resends and reminders the service stores in its outbox; its publisher
    // declares the service's queue, so they are kept even before the consumer first declared it.
    if (absl::Status relay =
            server::StartOutboxRelay(app, {notification::NotificationQueue(settings_)});
        !relay.ok()) {
      return relay;
    }
    app.AddGrpcService("ipraktik.v1.NotificationService", app_->service());
    // Shutdown steps run last registered first: the consumer stops before the scheduler and
    // the publishers.
    app.OnShutdown("notification", [this] { app_->Stop(); });
    return server::StartEventConsumer(app, "consumer", app_->consumer_options(), app_->router());
  }

 private:
  notification::NotificationSettings settings_;
  config::HostPort matching_;
  std::string matching_key_;
  std::unique_ptr<notification::NotificationApp> app_;
};

}  // namespace

int main(int argc, char** argv) {
  notification::InitSmtpLibrary();
  Notification service;
  return server::RunService(
      argc, argv,
      {.name = "notification",
       .description = "Notification: e-mails every participant about their placement, once, in "
                      "their language",
       .default_grpc_address = "127.0.0.1:7104",
       .default_metrics_address = "127.0.0.1:9104",
       .needs = {server::Resource::kRedis, server::Resource::kBus},
       // The senders (16 by default) each go to Redis several times per e-mail; with fewer
       // connections than senders they queue for one (docs/benchmarks.md, national round).
       .default_redis_pool_size = 24},
      service);
}
