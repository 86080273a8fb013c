// ipraktik-notification. The process skeleton (settings, logs, metrics, Redis, RabbitMQ, gRPC
// health and reflection, graceful shutdown) is libs/server's; the service's own parts plug in
// through a server::Service subclass.
#include "ipraktik/server/application.h"

namespace {

class Notification : public ipraktik::server::Service {
 public:
  void ReadSettings(ipraktik::config::Reader& reader) override {
    smtp_ = reader.Url("IPRAKTIK_SMTP_URL", "smtp://127.0.0.1:7025", {"smtp", "smtps"},
                       "The SMTP server e-mails are sent through: smtp://[user:password@]host:port "
                       "(smtps: TLS from the start).");
  }

  absl::Status Start(ipraktik::server::Application& app) override {
    app.logger().Info("e-mails go to", {{"smtp", smtp_.Redacted()}});
    return absl::OkStatus();
  }

 private:
  ipraktik::config::Url smtp_;
};

}  // namespace

int main(int argc, char** argv) {
  Notification service;
  return ipraktik::server::RunService(
      argc, argv,
      {.name = "notification",
       .description = "Notification: e-mails every participant about their placement, once, in "
                      "their language",
       .default_grpc_address = "127.0.0.1:7104",
       .default_metrics_address = "127.0.0.1:9104"},
      service);
}
