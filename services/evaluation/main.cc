// ipraktik-evaluation: asks both sides of every internship how it went and reports what each
// programme achieved. On the shared process skeleton of libs/server: it consumes the published
// placements and erasures, runs the scheduler that requests invitations and reminders through
// the outbox (published by the relay), and serves EvaluationService.
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "evaluation_service.h"
#include "intake.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/server/application.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/outbox_relay.h"
#include "scheduler.h"

namespace {

using namespace ipraktik;

// Placements and erasures: their order matters (an erasure after a placement must win), so
// they share one queue.
constexpr char kQueue[] = "evaluation.events";

class Evaluation : public server::Service {
 public:
  void ReadSettings(config::Reader& reader) override {
    options_.link.form_url = reader.String(
        "IPRAKTIK_EVALUATION_FORM_URL", evaluation::kDefaultFormUrl,
        "The evaluation form; a participant's personal link is this, the tenant, '/' and the "
        "token.");
    std::string zone = reader.String("IPRAKTIK_TIME_ZONE", "Europe/Copenhagen",
                                     "The zone of the days the evaluation schedule counts.");
    if (!absl::LoadTimeZone(zone, &options_.time_zone)) {
      reader.AddError("IPRAKTIK_TIME_ZONE", absl::StrCat("'", zone, "' is not a known time zone"));
    }
    options_.poll_interval = absl::FromChrono(
        reader.Duration("IPRAKTIK_EVALUATION_POLL_INTERVAL", std::chrono::minutes(1),
                        std::chrono::milliseconds(50), std::chrono::hours(24),
                        "How often the scheduler looks for invitations and reminders due."));
  }

  absl::Status Start(server::Application& app) override {
    // The one server secret (IPRAKTIK_TOKEN_SECRET) that also keys the API keys' digests.
    options_.link.token_secret = app.settings().token_secret;
    outbox_ = std::make_unique<outbox::Outbox>(app.redis(), app.spec().name);
    store_ = std::make_unique<evaluation::EvaluationStore>(app.redis(), *outbox_);
    metrics_ = std::make_unique<evaluation::EvaluationMetrics>(&app.metrics());
    intake_ = std::make_unique<evaluation::Intake>(*store_);
    scheduler_ = std::make_unique<evaluation::Scheduler>(
        *store_, options_, [] { return absl::Now(); }, *metrics_, app.logger());
    evaluator_ = std::make_unique<evaluation::Evaluator>(*store_, *scheduler_,
                                                         options_.link.token_secret, *metrics_);
    service_ = std::make_unique<evaluation::EvaluationServiceImpl>(*evaluator_, app.calls());
    app.AddGrpcService("ipraktik.v1.EvaluationService", service_.get());
    if (absl::Status relay = server::StartOutboxRelay(app); !relay.ok()) return relay;
    router_ = evaluation::IntakeRouter(*intake_, &app.metrics());
    bus::ConsumerOptions consumer;
    consumer.queue.name = kQueue;
    consumer.queue.bindings = router_->Types();
    if (absl::Status consuming =
            server::StartEventConsumer(app, "events", std::move(consumer), *router_);
        !consuming.ok()) {
      return consuming;
    }
    scheduler_thread_ = std::jthread([this](std::stop_token stop) { scheduler_->Run(stop); });
    app.OnShutdown("scheduler", [this] {
      scheduler_thread_.request_stop();
      scheduler_thread_.join();
    });
    return absl::OkStatus();
  }

 private:
  evaluation::SchedulerOptions options_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<evaluation::EvaluationStore> store_;
  std::unique_ptr<evaluation::EvaluationMetrics> metrics_;
  std::unique_ptr<evaluation::Intake> intake_;
  std::unique_ptr<server::EventRouter> router_;
  std::unique_ptr<evaluation::Scheduler> scheduler_;
  std::unique_ptr<evaluation::Evaluator> evaluator_;
  std::unique_ptr<evaluation::EvaluationServiceImpl> service_;
  std::jthread scheduler_thread_;
};

}  // namespace

int main(int argc, char** argv) {
  Evaluation service;
  return server::RunService(
      argc, argv,
      {.name = "evaluation",
       .description =
           "Evaluation: asks participants how their internship went and collects the answers",
       .default_grpc_address = "127.0.0.1:7105",
       .default_metrics_address = "127.0.0.1:9105",
       .needs = {server::Resource::kRedis, server::Resource::kBus}},
      service);
}
