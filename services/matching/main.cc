// ipraktik-matching: the matching API (MatchingService) on the shared process skeleton of
// libs/server: it copies round snapshots from the registration service, queues jobs for the
// matching workers, publishes finished results (at once for jobs that are not previews), and
// runs the outbox relay that publishes its events.
#include <chrono>
#include <memory>

#include "coordinator.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/jobs/job_queue.h"
#include "ipraktik/jobs/job_store.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/server/application.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/outbox_relay.h"
#include "matching_repository.h"
#include "matching_service.h"
#include "snapshot_client.h"

namespace {

using namespace ipraktik;

constexpr char kFinishedQueue[] = "matching.job-finished";

class Matching : public server::Service {
 public:
  void ReadSettings(config::Reader& reader) override {
    registration_ = reader.Address("IPRAKTIK_REGISTRATION_ADDRESS", "127.0.0.1:7101",
                                   "The registration service (round snapshots come from it).");
    retry_ = jobs::ReadJobRetryPolicy(reader);
    job_store_.snapshot_retention = absl::FromChrono(reader.Duration(
        "IPRAKTIK_MATCHING_SNAPSHOT_RETENTION", std::chrono::hours(24 * 30),
        std::chrono::minutes(1), std::chrono::hours(24 * 366),
        "How long a job's round snapshot (personal data) is kept when no publication deletes it "
        "sooner: a preview that is never published."));
    options_.publication_batch = static_cast<int>(
        reader.Int("IPRAKTIK_MATCHING_PUBLICATION_BATCH", 500, 1, 10'000,
                   "People whose records and events a publication stores in one atomic step."));
  }

  absl::Status Start(server::Application& app) override {
    outbox_ = std::make_unique<outbox::Outbox>(app.redis());
    jobs_ = std::make_unique<jobs::JobStore>(app.redis(), *outbox_, job_store_);
    repository_ = std::make_unique<matching_service::MatchingRepository>(app.redis(), *outbox_);
    options_.registry = &app.metrics();
    coordinator_ = std::make_unique<matching_service::Coordinator>(
        *jobs_, *repository_,
        matching_service::RegistrationSnapshots(
            grpc::CreateChannel(registration_.ToString(), grpc::InsecureChannelCredentials())),
        app.logger(), options_);
    service_ = std::make_unique<matching_service::MatchingServiceImpl>(*coordinator_, app.logger(),
                                                                       app.deadlines());
    app.AddGrpcService("ipraktik.v1.MatchingService", service_.get());
    // The relay's publisher declares the work queue: a job requested before any worker ran is
    // kept.
    if (absl::Status relay = server::StartOutboxRelay(app, {jobs::JobQueue(retry_)}); !relay.ok()) {
      return relay;
    }
    return StartFinishedConsumer(app);
  }

 private:
  // Publishes each job that finished and is not a preview.
  absl::Status StartFinishedConsumer(server::Application& app) {
    bus::ConsumerOptions options;
    options.queue = {.name = kFinishedQueue,
                     .bindings = {std::string(jobs::kJobFinishedEvent)},
                     .retry = retry_};
    return server::StartEventConsumer(
        app, "job-finished", std::move(options), [this](const bus::Delivery& d) {
          auto envelope = events::ParseEnvelope(d.body);
          v1::MatchingJobFinished finished;
          if (!envelope.ok()) {
            return bus::Outcome::DeadLetter(std::string(envelope.status().message()));
          }
          if (!envelope->payload().UnpackTo(&finished)) {
            return bus::Outcome::DeadLetter("the payload is not a MatchingJobFinished");
          }
          const matching_service::Caller caller{
              .tenant = envelope->tenant(),
              .correlation_id = envelope->correlation_id(),
              .deadline = std::chrono::system_clock::now() + std::chrono::minutes(30)};
          absl::Status published = coordinator_->OnJobFinished(caller, finished);
          if (!published.ok()) return bus::Outcome::Retry(std::string(published.message()));
          return bus::Outcome::Ack();
        });
  }

  config::HostPort registration_;
  bus::RetryPolicy retry_;
  jobs::JobStoreOptions job_store_;
  matching_service::CoordinatorOptions options_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<jobs::JobStore> jobs_;
  std::unique_ptr<matching_service::MatchingRepository> repository_;
  std::unique_ptr<matching_service::Coordinator> coordinator_;
  std::unique_ptr<matching_service::MatchingServiceImpl> service_;
};

}  // namespace

int main(int argc, char** argv) {
  Matching service;
  return server::RunService(
      argc, argv,
      {.name = "matching",
       .description =
           "Matching: coordinators request, preview, publish and re-run matchings of closed rounds",
       .default_grpc_address = "127.0.0.1:7102",
       .default_metrics_address = "127.0.0.1:9102"},
      service);
}
