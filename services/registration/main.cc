// ipraktik-registration: the registration API (RegistrationService) and the audit log's
// (AuditService) on the shared process skeleton of libs/server, with the outbox relay that
// publishes its events to RabbitMQ and the consumer of published matchings (the round moves to
// PUBLISHED).
#include <memory>
#include <thread>

#include "approval_reminders.h"
#include "audit_service.h"
#include "ipraktik/access/key_administration.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/server/application.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/outbox_relay.h"
#include "key_service.h"
#include "matching_published.h"
#include "registrar.h"
#include "registration_repository.h"
#include "registration_service.h"

namespace {

using namespace ipraktik;

class Registration : public server::Service {
 public:
  void ReadSettings(config::Reader& reader) override {
    options_.participant_web_url = reader.String(
        "IPRAKTIK_PARTICIPANT_WEB_URL", registration::kDefaultParticipantWebUrl,
        "The participant pages: a manager's personal approval link is this, '/approval/', the "
        "tenant, '/' and the token.");
    options_.approval_reminder_days = static_cast<int>(reader.Int(
        "IPRAKTIK_APPROVAL_REMINDER_DAYS", 3, 0, 60,
        "Days before the sign-up deadline a manager who has not decided is reminded (0: never)."));
    reminders_.poll_interval = absl::FromChrono(reader.Duration(
        "IPRAKTIK_APPROVAL_POLL_INTERVAL", std::chrono::minutes(1), std::chrono::milliseconds(50),
        std::chrono::hours(24), "How often the approval reminders due are looked for."));
    time_zone_ = reader.String("IPRAKTIK_TIME_ZONE", "Europe/Copenhagen",
                               "Time zone of the days deadlines and retention count in.");
  }

  absl::Status Start(server::Application& app) override {
    outbox_ = std::make_unique<outbox::Outbox>(app.redis(), app.spec().name);
    repository_ = std::make_unique<registration::RegistrationRepository>(app.redis(), *outbox_);
    options_.time_zone = time_zone_;
    options_.metrics = &app.metrics();
    // The one server secret (IPRAKTIK_TOKEN_SECRET) that also keys the API keys' digests.
    options_.token_secret = app.settings().token_secret;
    registrar_ = std::make_unique<registration::Registrar>(*repository_, options_);
    service_ = std::make_unique<registration::RegistrationServiceImpl>(*registrar_, app.calls());
    app.AddGrpcService("ipraktik.v1.RegistrationService", service_.get());
    key_administration_ = std::make_unique<access::KeyAdministration>(app.keys());
    keys_ = std::make_unique<registration::KeyServiceImpl>(*key_administration_, app.calls());
    app.AddGrpcService("ipraktik.v1.KeyService", keys_.get());
    audit_ = std::make_unique<registration::AuditServiceImpl>(app.redis(), app.calls());
    app.AddGrpcService("ipraktik.v1.AuditService", audit_.get());
    if (absl::Status relay = server::StartOutboxRelay(app); !relay.ok()) return relay;
    published_ = registration::MatchingPublishedRouter(*registrar_, app.redis(), &app.metrics());
    bus::ConsumerOptions consumer;
    consumer.queue = registration::MatchingPublishedQueue();
    if (absl::Status consuming =
            server::StartEventConsumer(app, "matching-published", std::move(consumer), *published_);
        !consuming.ok()) {
      return consuming;
    }
    approval_reminders_ =
        std::make_unique<registration::ApprovalReminders>(*registrar_, reminders_, app.logger());
    reminder_thread_ =
        std::jthread([this](std::stop_token stop) { approval_reminders_->Run(stop); });
    app.OnShutdown("approval reminders", [this] {
      reminder_thread_.request_stop();
      reminder_thread_.join();
    });
    return absl::OkStatus();
  }

 private:
  registration::RegistrarOptions options_;
  registration::ApprovalReminderOptions reminders_;
  std::string time_zone_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<registration::RegistrationRepository> repository_;
  std::unique_ptr<registration::Registrar> registrar_;
  std::unique_ptr<registration::RegistrationServiceImpl> service_;
  std::unique_ptr<access::KeyAdministration> key_administration_;
  std::unique_ptr<registration::KeyServiceImpl> keys_;
  std::unique_ptr<registration::AuditServiceImpl> audit_;
  std::unique_ptr<server::EventRouter> published_;
  std::unique_ptr<registration::ApprovalReminders> approval_reminders_;
  std::jthread reminder_thread_;
};

}  // namespace

int main(int argc, char** argv) {
  Registration service;
  return server::RunService(
      argc, argv,
      {.name = "registration",
       .description = "Registration: programmes, rounds, workplaces, host offers and interns' "
                      "wishes (gRPC API for coordinators, sign-up forms and partners), and the "
                      "API keys of every service",
       .default_grpc_address = "127.0.0.1:7101",
       .default_metrics_address = "127.0.0.1:9101",
       .needs = {server::Resource::kRedis, server::Resource::kBus}},
      service);
}
