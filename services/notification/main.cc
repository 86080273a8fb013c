// ipraktik-notification: e-mails every participant about their placement, once, in their
// language. The process skeleton (settings, logs, metrics, Redis, RabbitMQ, gRPC health and
// reflection, graceful shutdown) is libs/server's; the service's parts are NotificationApp.
#include <memory>
#include <string>

#include "ipraktik/server/application.h"
#include "notification_app.h"

namespace {

using namespace ipraktik;

class Notification : public server::Service {
 public:
  void ReadSettings(config::Reader& reader) override {
    settings_ = notification::ReadNotificationSettings(reader);
  }

  absl::Status Start(server::Application& app) override {
    auto started = notification::NotificationApp::Start(
        settings_, app.redis(), [&app](std::string_view name) { return app.BusConnection(name); },
        &app.metrics(), app.logger(), app.calls(), [] { return absl::Now(); },
        [&app](const absl::Status& status) {
          app.RequestShutdown("notification consumer: " + status.ToString());
        });
    if (!started.ok()) return started.status();
    app_ = *std::move(started);
    app.AddGrpcService("ipraktik.v1.NotificationService", app_->service());
    app.OnShutdown("notification", [this] { app_->Stop(); });
    return absl::OkStatus();
  }

 private:
  notification::NotificationSettings settings_;
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
       .default_metrics_address = "127.0.0.1:9104"},
      service);
}
