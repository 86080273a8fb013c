// ipraktik-matching-worker: takes matching jobs off the work queue (any number of workers share
// it), runs the engine and stores the result, on the shared process skeleton of libs/server,
// with the outbox relay that publishes its "matching.job.finished" events.
#include <unistd.h>

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "ipraktik/bus/consumer.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/jobs/job_queue.h"
#include "ipraktik/jobs/job_store.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/server/application.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/outbox_relay.h"
#include "job_handler.h"

namespace {

using namespace ipraktik;

std::string DefaultWorkerId() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] != '\0' ? host : "worker", "-", getpid());
}

class MatchingWorker : public server::Service {
 public:
  void ReadSettings(config::Reader& reader) override {
    handler_options_.worker_id =
        reader.String("IPRAKTIK_MATCHING_WORKER_ID", DefaultWorkerId(),
                      "This worker's name in job records and logs (default: host name and pid).");
    retry_ = jobs::ReadJobRetryPolicy(reader);
    handler_options_.max_attempts = retry_.max_attempts;
    handler_options_.max_stops = static_cast<int>(reader.Int(
        "IPRAKTIK_MATCHING_JOB_MAX_STOPS", 5, 1, 9,
        "Times a job may stop a worker mid-job (killed, out of memory, broker lost) before it "
        "fails for good; below the work queue's delivery limit of 10."));
    threads_ = static_cast<int>(
        reader.Int("IPRAKTIK_MATCHING_WORKER_THREADS", 1, 1, 64,
                   "Jobs one worker process runs at once (the engine uses one core per job)."));
    handler_options_.items_per_part = static_cast<int>(
        reader.Int("IPRAKTIK_MATCHING_RESULT_PART_ITEMS", 5'000, 1, 100'000,
                   "List items (assignments, unmatched interns, ...) per stored result part."));
    handler_options_.hold_after_claim = reader.Duration(
        "IPRAKTIK_MATCHING_WORKER_HOLD", std::chrono::milliseconds(0), std::chrono::milliseconds(0),
        std::chrono::minutes(10),
        "Fault injection for tests: how long a claimed job waits before the work starts.");
  }

  absl::Status Start(server::Application& app) override {
    outbox_ = std::make_unique<outbox::Outbox>(app.redis(), app.spec().name);
    jobs_ = std::make_unique<jobs::JobStore>(app.redis(), *outbox_);
    handler_options_.registry = &app.metrics();
    handler_ =
        std::make_unique<matching_worker::JobHandler>(*jobs_, app.logger(), handler_options_);
    if (absl::Status relay = server::StartOutboxRelay(app); !relay.ok()) return relay;

    bus::ConsumerOptions options;
    options.queue = jobs::JobQueue(retry_);
    options.handler_threads = threads_;
    options.prefetch = threads_;
    router_ = std::make_unique<server::EventRouter>(server::EventRouterOptions{
        .name = std::string(jobs::kJobQueue), .metrics = &app.metrics()});
    // Claiming the job fences it: a duplicated message finds it claimed or finished.
    router_->On<v1::MatchingJobRequested>(
        contract::kJobRequested,
        [this](const v1::MatchingJobRequested& requested, const server::EventContext& event) {
          return handler_->Handle(requested, event);
        });
    if (absl::Status started =
            server::StartEventConsumer(app, "jobs", std::move(options), *router_);
        !started.ok()) {
      return started;
    }
    app.logger().Info("taking matching jobs", {{"queue", jobs::kJobQueue},
                                               {"worker", handler_options_.worker_id},
                                               {"threads", threads_}});
    return absl::OkStatus();
  }

 private:
  matching_worker::JobHandlerOptions handler_options_;
  bus::RetryPolicy retry_;
  int threads_ = 1;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<jobs::JobStore> jobs_;
  std::unique_ptr<matching_worker::JobHandler> handler_;
  std::unique_ptr<server::EventRouter> router_;
};

}  // namespace

int main(int argc, char** argv) {
  MatchingWorker service;
  return server::RunService(
      argc, argv,
      {.name = "matching-worker",
       .description =
           "Matching worker: takes matching jobs off the work queue and runs the matching engine",
       .default_grpc_address = "127.0.0.1:7103",
       .default_metrics_address = "127.0.0.1:9103",
       .needs = {server::Resource::kRedis, server::Resource::kBus}},
      service);
}
