// ipraktik-matching: the matching API (MatchingService) on the shared process skeleton of
// libs/server: it copies round snapshots from the registration service, queues jobs for the
// matching workers, publishes finished results (at once for jobs that are not previews), and
// runs the outbox relay that publishes its events.
#include <chrono>
#include <memory>

#include "coordinator.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/jobs/job_queue.h"
#include "ipraktik/jobs/job_store.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/server/application.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/outbox_relay.h"
#include "matching_repository.h"
#include "matching_service.h"
#include "notification_client.h"
#include "snapshot_client.h"

namespace {

using namespace ipraktik;

constexpr char kFinishedQueue[] = "matching.job-finished";
constexpr char kErasedQueue[] = "matching.participant-erased";

class Matching : public server::Service {
 public:
  void ReadSettings(config::Reader& reader) override {
    registration_ = reader.Address("IPRAKTIK_REGISTRATION_ADDRESS", "127.0.0.1:7101",
                                   "The registration service (round snapshots come from it).");
    registration_key_ = reader.Secret(
        "IPRAKTIK_REGISTRATION_API_KEY",
        "A service key (role service) the round snapshots are read from the registration "
        "service with (ipraktik keys create --role service); the notification service is asked "
        "with it too.");
    notification_ = reader.Address(
        "IPRAKTIK_NOTIFICATION_ADDRESS", "127.0.0.1:7104",
        "The notification service (its sender settings are checked before a publication; the "
        "round overview counts its e-mails).");
    retry_ = jobs::ReadJobRetryPolicy(reader);
    job_store_.snapshot_retention = absl::FromChrono(reader.Duration(
        "IPRAKTIK_MATCHING_SNAPSHOT_RETENTION", std::chrono::hours(24 * 30),
        std::chrono::minutes(1), std::chrono::hours(24 * 366),
        "How long a job's round snapshot (personal data) is kept when no publication deletes it "
        "sooner: a preview that is never published."));
    options_.publication_batch = static_cast<int>(
        reader.Int("IPRAKTIK_MATCHING_PUBLICATION_BATCH", 500, 1, 10'000,
                   "People whose records and events a publication stores in one atomic step."));
    options_.publication_threads = static_cast<int>(
        reader.Int("IPRAKTIK_MATCHING_PUBLICATION_THREADS", 2, 1, 16,
                   "Threads that build and store a publication's batches at once (one of them the "
                   "publishing call's own)."));
    options_.event_batch = static_cast<int>(reader.Int(
        "IPRAKTIK_MATCHING_EVENT_BATCH", 25, 1, 500,
        "Placement events a publication puts in one message on the bus (1: one message per "
        "person). Consumers still handle, retry and dead-letter each event on its own."));
  }

  absl::Status Start(server::Application& app) override {
    outbox_ = std::make_unique<outbox::Outbox>(app.redis(), app.spec().name);
    jobs_ = std::make_unique<jobs::JobStore>(app.redis(), *outbox_, job_store_);
    repository_ = std::make_unique<matching_service::MatchingRepository>(app.redis(), *outbox_);
    options_.registry = &app.metrics();
    auto registration = grpc::CreateChannel(registration_.ToString(), app.ChannelCredentials());
    coordinator_ = std::make_unique<matching_service::Coordinator>(
        *jobs_, *repository_,
        matching_service::RegistrationSnapshots(registration, registration_key_),
        matching_service::RegistrationRecords(registration, registration_key_),
        matching_service::NotificationFacts(
            grpc::CreateChannel(notification_.ToString(), app.ChannelCredentials()),
            registration_key_),
        app.logger(), options_);
    service_ = std::make_unique<matching_service::MatchingServiceImpl>(*coordinator_, app.calls());
    app.AddGrpcService("ipraktik.v1.MatchingService", service_.get());
    // The relay's publisher declares the work queue: a job requested before any worker ran is
    // kept.
    if (absl::Status relay = server::StartOutboxRelay(app, {jobs::JobQueue(retry_)}); !relay.ok()) {
      return relay;
    }
    // Each job that finished and is not a preview is published.
    if (absl::Status consuming = Consume<v1::MatchingJobFinished>(
            app, finished_, kFinishedQueue, contract::kJobFinished, std::chrono::minutes(30),
            &matching_service::Coordinator::OnJobFinished);
        !consuming.ok()) {
      return consuming;
    }
    // The round copies that hold an erased participant are forgotten (GDPR).
    return Consume<v1::ParticipantErased>(app, erased_, kErasedQueue, contract::kParticipantErased,
                                          std::chrono::minutes(1),
                                          &matching_service::Coordinator::OnParticipantErased);
  }

 private:
  // Hands each event of `queue` to the coordinator, which may take `budget`. Both handlers are
  // idempotent (a published job is not published again; a forgotten snapshot stays forgotten).
  template <typename Payload>
  absl::Status Consume(server::Application& app, std::unique_ptr<server::EventRouter>& router,
                       const char* queue, std::string_view type, std::chrono::minutes budget,
                       absl::Status (matching_service::Coordinator::*handle)(
                           const matching_service::Caller&, const Payload&)) {
    router = std::make_unique<server::EventRouter>(
        server::EventRouterOptions{.name = queue, .metrics = &app.metrics()});
    router->On<Payload>(type, [this, handle, budget](const Payload& payload,
                                                     const server::EventContext& event) {
      const matching_service::Caller caller{.tenant = event.envelope.tenant(),
                                            .correlation_id = event.envelope.correlation_id(),
                                            .deadline = std::chrono::system_clock::now() + budget};
      return ((*coordinator_).*handle)(caller, payload);
    });
    bus::ConsumerOptions options;
    options.queue = {.name = queue, .bindings = router->Types(), .retry = retry_};
    return server::StartEventConsumer(app, queue, std::move(options), *router);
  }

  config::HostPort registration_;
  config::HostPort notification_;
  std::string registration_key_;
  bus::RetryPolicy retry_;
  jobs::JobStoreOptions job_store_;
  matching_service::CoordinatorOptions options_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<jobs::JobStore> jobs_;
  std::unique_ptr<matching_service::MatchingRepository> repository_;
  std::unique_ptr<matching_service::Coordinator> coordinator_;
  std::unique_ptr<matching_service::MatchingServiceImpl> service_;
  std::unique_ptr<server::EventRouter> finished_;
  std::unique_ptr<server::EventRouter> erased_;
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
       .default_metrics_address = "127.0.0.1:9102",
       .needs = {server::Resource::kRedis, server::Resource::kBus}},
      service);
}
