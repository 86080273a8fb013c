// Matching workers as separate processes against a real redis-server and rabbitmq-server: a job
// is done with the right result; a worker SIGKILLed in the middle of a job leaves it to another,
// which stores one result and publishes one event; a job waiting in the queue survives a broker
// restart; a job whose snapshot cannot be read fails with the reason after every retry and lands
// in the dead-letter queue; a job that keeps stopping its workers mid-job fails for good with the
// reason; a duplicated job message is handled once; a malformed message goes to the dead-letter
// queue and the workers keep working.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "eventually.h"
#include "ipraktik/bus/admin.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/jobs/job_queue.h"
#include "ipraktik/jobs/job_store.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/outbox/relay.h"
#include "ipraktik/server/outbox_relay.h"
#include "ipraktik/store/pool.h"
#include "local_servers.h"
#include "snapshot_samples.h"

namespace ipraktik::matching_worker {
namespace {

using ::ipraktik::testing::ChildProcess;
using ::ipraktik::testing::Eventually;
using namespace std::chrono_literals;

constexpr int kAttempts = 3;
constexpr char kFinishedQueue[] = "test.matching-finished";

bus::RetryPolicy TestRetry() {
  bus::RetryPolicy retry;
  retry.max_attempts = kAttempts;
  retry.initial_delay = std::chrono::milliseconds(100);
  retry.multiplier = 4.0;
  retry.max_delay = std::chrono::minutes(10);
  return retry;
}

class WorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = std::make_unique<ipraktik::testing::RedisServer>();
    rabbit_ = std::make_unique<ipraktik::testing::RabbitMqServer>();
  }
  static void TearDownTestSuite() {
    rabbit_.reset();
    redis_.reset();
  }

  void SetUp() override {
    store::Options options;
    options.port = redis_->port();
    redis_pool_ = std::make_unique<store::Pool>(options);
    outbox_ = std::make_unique<outbox::Outbox>(*redis_pool_, "matching-worker");
    jobs_ = std::make_unique<jobs::JobStore>(*redis_pool_, *outbox_);
    tenant_ = absl::StrCat("t", ++tests_);
    auto admin = bus::Admin::Create(Connection());
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = std::make_unique<bus::Admin>(*std::move(admin));
    const std::vector<bus::QueueSpec> queues = {
        jobs::JobQueue(TestRetry()),
        {.name = kFinishedQueue, .bindings = {contract::kJobFinished}, .retry = {}}};
    ASSERT_TRUE(admin_->Declare(queues).ok());
    (void)admin_->Purge(kFinishedQueue);
    (void)admin_->Purge(bus::DeadLetterQueueName(jobs::kJobQueue));
  }

  void TearDown() override {
    StopRelay();
    workers_.clear();
  }

  static bus::ConnectionOptions Connection() {
    bus::ConnectionOptions connection;
    connection.url = rabbit_->url();
    return connection;
  }

  // The matching service's part: publishing the outbox (the workers' relays do it too).
  void StartRelay() {
    bus::PublisherOptions options;
    options.connection = Connection();
    options.queues = {jobs::JobQueue(TestRetry())};
    auto publisher = bus::Publisher::Create(std::move(options));
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    publisher_ = std::make_unique<bus::Publisher>(*std::move(publisher));
    relay_ = std::make_unique<outbox::Relay>(
        *redis_pool_, outbox_->publisher(), server::PublishToBus(*publisher_),
        logging::Logger("test-relay"), outbox::RelayOptions{.lease_ttl = absl::Seconds(2)});
    relay_->Start();
  }
  void StopRelay() {
    if (relay_) relay_->Stop();
    relay_.reset();
    publisher_.reset();
  }

  // Publishes as another client would. A Publisher is not thread-safe and the relay's thread
  // owns publisher_, so the test publishes on its own connection.
  void PublishDirectly(const bus::Message& message) {
    bus::PublisherOptions options;
    options.connection = Connection();
    auto publisher = bus::Publisher::Create(std::move(options));
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    ASSERT_TRUE(publisher->Publish(message).ok());
  }

  ChildProcess& StartWorker(const std::string& name, std::string hold = "0s",
                            const std::map<std::string, std::string>& settings = {}) {
    std::map<std::string, std::string> environment = settings;
    environment.insert({{"IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0"},
                        {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0"},
                        {"IPRAKTIK_REDIS_ADDRESS", redis_->address()},
                        {"IPRAKTIK_AMQP_URL", rabbit_->url()},
                        {"IPRAKTIK_MATCHING_WORKER_ID", name},
                        {"IPRAKTIK_MATCHING_JOB_ATTEMPTS", std::to_string(kAttempts)},
                        {"IPRAKTIK_MATCHING_JOB_RETRY_DELAY", "100ms"},
                        {"IPRAKTIK_MATCHING_WORKER_HOLD", hold},
                        {"IPRAKTIK_MATCHING_RESULT_PART_ITEMS", "2"}});
    auto log = redis_->dir() / absl::StrCat(tenant_, "-", name, ".log");
    auto& worker = workers_[name];
    worker = std::make_unique<ChildProcess>(
        ipraktik::testing::BinaryDir() / "bin" / "ipraktik-matching-worker",
        std::vector<std::string>{}, environment, log);
    EXPECT_TRUE(worker->WaitForOutput("\"consuming\"", 30s)) << worker->Output();
    return *worker;
  }

  // Stores a round of three offers and five interns and creates its job.
  void CreateJob(const std::string& job_id, int claimed_parts = 0) {
    testing::Snapshot snapshot;
    snapshot.Offer("o-1", "w-a", 2);
    snapshot.Offer("o-2", "w-b", 1);
    snapshot.Offer("o-3", "w-c", 0);
    snapshot.Intern("p-1", "w-x", {{"o-1"}, {"o-2"}});
    snapshot.Intern("p-2", "w-x", {{"o-1"}});
    snapshot.Intern("p-3", "w-x", {{"o-1"}, {"o-2"}});
    snapshot.Intern("p-4", "w-x", {{"o-1"}});
    snapshot.Intern("p-5", "w-x", {{"o-3"}});
    const auto parts = snapshot.Parts();
    for (const auto& part : parts) {
      ASSERT_TRUE(jobs_->AppendSnapshotPart(tenant_, job_id, part).ok());
    }
    jobs::NewJob job{.job_id = job_id};
    job.input.set_job_id(job_id);
    job.input.set_round_id("round-1");
    job.input.set_snapshot_parts(claimed_parts > 0 ? claimed_parts
                                                   : static_cast<int>(parts.size()));
    auto created = jobs_->Create(tenant_, job);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_FALSE(created->existing);
  }

  jobs::JobRecord Job(const std::string& job_id) {
    auto job = jobs_->Get(tenant_, job_id);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *job : jobs::JobRecord{};
  }

  // The next message of the work queue's dead-letter queue, waiting for one to arrive.
  std::optional<bus::Delivery> TakeDeadLetter() {
    std::optional<bus::Delivery> dead;
    EXPECT_TRUE(Eventually([&] {
      auto taken = admin_->Take(bus::DeadLetterQueueName(jobs::kJobQueue));
      if (taken.ok() && taken->has_value()) dead = **taken;
      return dead.has_value();
    }));
    return dead;
  }

  // The job id of a dead-lettered job message.
  static std::string JobIdOf(const bus::Delivery& delivery) {
    auto envelope = events::ParseEnvelope(delivery.body);
    v1::MatchingJobRequested requested;
    if (!envelope.ok() || !envelope->payload().UnpackTo(&requested)) return "";
    return requested.job_id();
  }

  bool Finished(const std::string& job_id) {
    auto state = Job(job_id).state;
    return state == v1::MATCHING_JOB_STATE_DONE || state == v1::MATCHING_JOB_STATE_FAILED;
  }

  // Takes every finished event off the test queue; counts them by job id.
  std::map<std::string, int> TakeFinishedEvents() {
    std::map<std::string, int> seen;
    while (true) {
      auto delivery = admin_->Take(kFinishedQueue);
      if (!delivery.ok() || !delivery->has_value()) break;
      auto envelope = events::ParseEnvelope((*delivery)->body);
      v1::MatchingJobFinished finished;
      if (envelope.ok() && envelope->payload().UnpackTo(&finished)) ++seen[finished.job_id()];
    }
    return seen;
  }

  // Every finished event of the tenant by job id, once no more can come for job_id (a duplicate
  // would show). The marker: a job created after job_id finished writes its own finished event to
  // the same outbox, behind any of job_id's, and the relay publishes them in order; so once the
  // marker's event arrived, job_id's have all arrived.
  std::map<std::string, int> FinishedEventsSettled(const std::string& job_id) {
    const std::string marker = "marker-after-" + job_id;
    CreateJob(marker);
    std::map<std::string, int> seen;
    EXPECT_TRUE(Eventually(
        [&] {
          for (const auto& [id, count] : TakeFinishedEvents()) seen[id] += count;
          return seen.contains(marker);
        },
        40s));
    EXPECT_TRUE(seen.contains(job_id));
    return seen;
  }

  // job_id was announced by exactly one finished event (FinishedEventsSettled).
  void ExpectAnnouncedOnce(const std::string& job_id) {
    EXPECT_EQ(FinishedEventsSettled(job_id)[job_id], 1);
  }

  // job_id was solved with the round's result after `attempts` attempts, and announced once.
  void ExpectSolvedOnce(const std::string& job_id, int attempts) {
    ExpectTheRoundsResult(job_id);
    EXPECT_EQ(Job(job_id).attempts, attempts);
    ExpectAnnouncedOnce(job_id);
  }

  void ExpectTheRoundsResult(const std::string& job_id) {
    const jobs::JobRecord job = Job(job_id);
    ASSERT_EQ(job.state, v1::MATCHING_JOB_STATE_DONE) << job.failure_reason;
    EXPECT_EQ(job.summary.interns(), 5);
    EXPECT_EQ(job.summary.matched(), 3);
    EXPECT_EQ(job.summary.total_rank(), 4);
    std::map<std::string, std::string> placed;
    std::map<std::string, std::string> unmatched;
    for (int i = 0; i < job.result_parts; ++i) {
      auto part = jobs_->ResultPart(tenant_, job_id, i);
      ASSERT_TRUE(part.ok()) << part.status();
      for (const auto& pair : part->assignments())
        placed[pair.participant_id()] = pair.host_offer_id();
      for (const auto& u : part->unmatched()) unmatched[u.participant_id()] = u.reason_code();
    }
    EXPECT_EQ(placed.size(), 3u);
    EXPECT_EQ(placed.count("p-5"), 0u);
    EXPECT_EQ(unmatched["p-5"], "no_capacity");
    EXPECT_EQ(unmatched.size(), 2u);
  }

  static inline std::unique_ptr<ipraktik::testing::RedisServer> redis_;
  static inline std::unique_ptr<ipraktik::testing::RabbitMqServer> rabbit_;
  static inline int tests_ = 0;
  std::string tenant_;
  std::unique_ptr<store::Pool> redis_pool_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<jobs::JobStore> jobs_;
  std::unique_ptr<bus::Admin> admin_;
  std::unique_ptr<bus::Publisher> publisher_;
  std::unique_ptr<outbox::Relay> relay_;
  std::map<std::string, std::unique_ptr<ChildProcess>> workers_;
};

TEST_F(WorkerTest, TwoWorkersDoAJobOnceWithTheRightResult) {
  StartWorker("w1");
  StartWorker("w2");
  StartRelay();
  CreateJob("job-a");
  ASSERT_TRUE(Eventually([&] { return Finished("job-a"); })) << workers_["w1"]->Output();
  ExpectSolvedOnce("job-a", 1);
}

TEST_F(WorkerTest, AWorkerKilledMidJobLeavesItToAnother) {
  ChildProcess& doomed = StartWorker("doomed", "60s");
  StartRelay();
  CreateJob("job-k");
  ASSERT_TRUE(Eventually([&] { return Job("job-k").state == v1::MATCHING_JOB_STATE_RUNNING; }))
      << doomed.Output();
  doomed.Signal(SIGKILL);
  ASSERT_TRUE(doomed.WaitFor(10s).has_value());
  EXPECT_EQ(Job("job-k").state, v1::MATCHING_JOB_STATE_RUNNING) << "killed mid-job";

  StartWorker("survivor");
  ASSERT_TRUE(Eventually([&] { return Finished("job-k"); })) << workers_["survivor"]->Output();
  ExpectSolvedOnce("job-k", 2);
}

TEST_F(WorkerTest, AJobThatKeepsStoppingItsWorkersFailsForGoodWithTheReason) {
  const std::map<std::string, std::string> two_stops = {{"IPRAKTIK_MATCHING_JOB_MAX_STOPS", "2"}};
  StartRelay();
  CreateJob("job-s");
  for (int start = 1; start <= 2; ++start) {
    ChildProcess& doomed = StartWorker(absl::StrCat("doomed-", start), "60s", two_stops);
    ASSERT_TRUE(Eventually([&] { return Job("job-s").attempts == start; })) << doomed.Output();
    doomed.Signal(SIGKILL);
    ASSERT_TRUE(doomed.WaitFor(10s).has_value());
  }
  StartWorker("third", "0s", two_stops);
  ASSERT_TRUE(Eventually([&] { return Finished("job-s"); })) << workers_["third"]->Output();
  const jobs::JobRecord job = Job("job-s");
  EXPECT_EQ(job.state, v1::MATCHING_JOB_STATE_FAILED) << "not solved a third time";
  EXPECT_EQ(job.attempts, 3);
  EXPECT_NE(job.failure_reason.find("stopped its worker 2 times"), std::string::npos)
      << job.failure_reason;
  const std::optional<bus::Delivery> dead = TakeDeadLetter();
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(JobIdOf(*dead), "job-s");
  ExpectAnnouncedOnce("job-s");
}

TEST_F(WorkerTest, AJobWaitingInTheQueueSurvivesABrokerRestart) {
  StartRelay();
  CreateJob("job-r");
  ASSERT_TRUE(Eventually([&] {
    auto queue = admin_->InspectQueue(jobs::kJobQueue);
    return queue.ok() && queue->messages == 1;
  }));
  StopRelay();
  admin_.reset();
  rabbit_->Restart();
  auto admin = bus::Admin::Create(Connection());
  ASSERT_TRUE(admin.ok()) << admin.status();
  admin_ = std::make_unique<bus::Admin>(*std::move(admin));

  StartWorker("after-restart");
  ASSERT_TRUE(Eventually([&] { return Finished("job-r"); })) << workers_["after-restart"]->Output();
  ExpectTheRoundsResult("job-r");
}

TEST_F(WorkerTest, AJobWhoseSnapshotCannotBeReadFailsWithTheReasonAfterEveryRetry) {
  StartWorker("w1");
  StartRelay();
  CreateJob("job-f", /*claimed_parts=*/12);  // the stored snapshot has fewer parts
  ASSERT_TRUE(Eventually([&] { return Finished("job-f"); })) << workers_["w1"]->Output();
  const jobs::JobRecord job = Job("job-f");
  EXPECT_EQ(job.state, v1::MATCHING_JOB_STATE_FAILED);
  EXPECT_EQ(job.attempts, kAttempts);
  EXPECT_NE(job.failure_reason.find("snapshot part"), std::string::npos) << job.failure_reason;

  const std::optional<bus::Delivery> dead = TakeDeadLetter();
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(JobIdOf(*dead), "job-f");
  EXPECT_NE(dead->headers.at(std::string(bus::kDeathReasonHeader)).find("snapshot part"),
            std::string::npos);
  auto events = FinishedEventsSettled("job-f");
  EXPECT_EQ(events["job-f"], 1) << "the failure is an event too";
}

TEST_F(WorkerTest, ADuplicatedJobMessageIsHandledOnce) {
  StartWorker("w1");
  StartWorker("w2");
  StartRelay();
  CreateJob("job-d");
  ASSERT_TRUE(Eventually([&] { return Finished("job-d"); }));
  // The same request again, as after a publisher retry.
  v1::MatchingJobRequested requested;
  requested.set_job_id("job-d");
  requested.set_round_id("round-1");
  auto envelope =
      events::BuildEnvelope({.type = contract::kJobRequested, .tenant = tenant_}, requested);
  ASSERT_TRUE(envelope.ok());
  bus::Message message;
  message.routing_key = contract::kJobRequested;
  message.body = envelope->SerializeAsString();
  message.message_id = envelope->id();
  PublishDirectly(message);
  ASSERT_TRUE(Eventually([&] {
    auto queue = admin_->InspectQueue(jobs::kJobQueue);
    return queue.ok() && queue->messages == 0;
  }));
  ExpectSolvedOnce("job-d", 1);
}

TEST_F(WorkerTest, AMalformedMessageIsDeadLetteredAndTheWorkerGoesOn) {
  StartWorker("w1");
  StartRelay();
  bus::Message garbage;
  garbage.routing_key = contract::kJobRequested;
  garbage.body = "not an envelope";
  garbage.message_id = "garbage-1";
  PublishDirectly(garbage);
  const std::optional<bus::Delivery> dead = TakeDeadLetter();
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->body, "not an envelope");

  CreateJob("job-m");
  ASSERT_TRUE(Eventually([&] { return Finished("job-m"); })) << workers_["w1"]->Output();
  ExpectTheRoundsResult("job-m");
}

}  // namespace
}  // namespace ipraktik::matching_worker
