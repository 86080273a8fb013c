// Readiness that tells the truth, from the outside: a service binary against its own private
// redis-server and rabbitmq-server answers its gRPC health check ("" and its services' names)
// SERVING; NOT_SERVING once Redis stops, SERVING again once Redis is back on the same port; the
// same for RabbitMQ (its broker connection and its event consumers), while the liveness name
// stays SERVING throughout and ipraktik_dependency_up says which dependency is down. The states
// are awaited on the health Watch stream, each within a time limit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <condition_variable>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "child_process.h"
#include "eventually.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "local_servers.h"

namespace ipraktik::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::Each;
using ::testing::IsEmpty;
using ::testing::Not;
using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;
constexpr Status kServing = grpc::health::v1::HealthCheckResponse::SERVING;
constexpr Status kNotServing = grpc::health::v1::HealthCheckResponse::NOT_SERVING;

// How long a change may take to show: a stopped broker's connections close at once, Redis is
// pinged every second, and a consumer reconnects with a backoff of up to 10 s after the broker
// is back (rabbitmq-server itself takes a while to start on a loaded machine).
constexpr auto kChangeLimit = 120s;

// Every status the health Watch stream of one service name sends, as it comes.
class HealthWatch {
 public:
  HealthWatch(const std::shared_ptr<grpc::Channel>& channel, std::string service)
      : stub_(grpc::health::v1::Health::NewStub(channel)) {
    request_.set_service(std::move(service));
    reader_ = stub_->Watch(&context_, request_);
    thread_ = std::thread([this] {
      grpc::health::v1::HealthCheckResponse response;
      while (reader_->Read(&response)) {
        std::lock_guard lock(mutex_);
        seen_.push_back(response.status());
        changed_.notify_all();
      }
    });
  }
  ~HealthWatch() {
    context_.TryCancel();
    thread_.join();
    reader_->Finish().IgnoreError();
  }

  // Waits until the latest status is `status`.
  bool WaitFor(Status status, std::chrono::seconds limit = kChangeLimit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return !seen_.empty() && seen_.back() == status; });
  }
  std::vector<Status> Seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
  grpc::ClientContext context_;
  grpc::health::v1::HealthCheckRequest request_;
  std::unique_ptr<grpc::ClientReader<grpc::health::v1::HealthCheckResponse>> reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Status> seen_;
  std::thread thread_;
};

// A service binary started as deployed against private servers of its own, which the test
// stops and starts.
class ReadinessTest : public ::testing::Test {
 protected:
  void StartService(const std::string& service, std::string grpc_name) {
    grpc_name_ = std::move(grpc_name);
    std::map<std::string, std::string> environment = {{"IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0"},
                                                      {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0"},
                                                      {"IPRAKTIK_REDIS_ADDRESS", redis_.address()},
                                                      {"IPRAKTIK_AMQP_URL", rabbit_.url()}};
    process_ = std::make_unique<ChildProcess>(BinaryDir() / "bin" / ("ipraktik-" + service),
                                              std::vector<std::string>{}, environment,
                                              redis_.dir() / (service + ".log"));
    ASSERT_TRUE(process_->WaitForOutput("\"msg\":\"serving\"", 60s)) << process_->Output();
    metrics_port_ = PortFromLog(process_->Output(), "metrics_port");
    int grpc_port = PortFromLog(process_->Output(), "grpc_port");
    ASSERT_GT(grpc_port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                                   grpc::InsecureChannelCredentials());
    ready_ = std::make_unique<HealthWatch>(channel_, "");
    alive_ = std::make_unique<HealthWatch>(channel_, "liveness");
    ASSERT_TRUE(ready_->WaitFor(kServing)) << process_->Output();
    ASSERT_TRUE(alive_->WaitFor(kServing)) << process_->Output();
    EXPECT_EQ(Check(grpc_name_), kServing);
  }

  void TearDown() override {
    if (alive_) {
      // Alive all along: the liveness name never said anything but SERVING.
      EXPECT_THAT(alive_->Seen(), Each(kServing));
      EXPECT_THAT(alive_->Seen(), Not(IsEmpty()));
    }
    ready_.reset();
    alive_.reset();
    if (process_) {
      process_->Signal(SIGTERM);
      auto status = process_->WaitFor(30s);
      ASSERT_TRUE(status.has_value()) << process_->Output();
      EXPECT_EQ(WEXITSTATUS(*status), 0) << process_->Output();
    }
  }

  // One Check of a name's status.
  Status Check(const std::string& service) {
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  // ipraktik_dependency_up of a dependency (a regex for its name), as /metrics shows it now.
  std::string DependencyUp(const std::string& dependency) {
    std::string metrics =
        RunCommand("curl -sf http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics");
    std::smatch match;
    if (!std::regex_search(metrics, match,
                           std::regex("ipraktik_dependency_up\\{dependency=\"" + dependency +
                                      "\"\\} ([0-9.]+)"))) {
      return "absent";
    }
    return match[1];
  }

  // While ready: one dependency down makes "" and the service's name NOT_SERVING, liveness
  // answers SERVING; back up, SERVING again.
  void ExpectNotReadyWhileDown(LocalServer& server, const std::string& dependency) {
    ASSERT_EQ(DependencyUp(dependency), "1");
    server.Stop();
    ASSERT_TRUE(ready_->WaitFor(kNotServing)) << dependency << " stopped\n" << process_->Output();
    EXPECT_EQ(Check(grpc_name_), kNotServing);
    EXPECT_EQ(Check("liveness"), kServing);
    // Another dependency (a consumer) may have noticed first.
    EXPECT_TRUE(Eventually([&] { return DependencyUp(dependency) == "0"; }, kChangeLimit));
    server.Start();
    ASSERT_TRUE(ready_->WaitFor(kServing)) << dependency << " started\n" << process_->Output();
    EXPECT_EQ(Check(grpc_name_), kServing);
    EXPECT_EQ(DependencyUp(dependency), "1");
  }

  RedisServer redis_;
  RabbitMqServer rabbit_;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string grpc_name_;
  int metrics_port_ = 0;
  std::unique_ptr<HealthWatch> ready_;
  std::unique_ptr<HealthWatch> alive_;
};

TEST_F(ReadinessTest, RegistrationIsNotReadyWhileRedisOrRabbitMqIsDown) {
  StartService("registration", "ipraktik.v1.RegistrationService");
  ExpectNotReadyWhileDown(redis_, "redis");
  EXPECT_EQ(DependencyUp("rabbitmq"), "1");  // only Redis was down
  ExpectNotReadyWhileDown(rabbit_, "rabbitmq");
  EXPECT_EQ(DependencyUp("redis"), "1");
}

// The matching worker's work comes through its consumer: down with the broker, its consumer's
// dependency is down too, and it is ready again only once the consumer is subscribed again.
TEST_F(ReadinessTest, MatchingWorkerIsNotReadyWhileItsConsumerIsCutOff) {
  StartService("matching-worker", "");
  ASSERT_EQ(DependencyUp("consumer:[^\"]+"), "1");
  rabbit_.Stop();
  ASSERT_TRUE(ready_->WaitFor(kNotServing)) << process_->Output();
  EXPECT_TRUE(Eventually([&] { return DependencyUp("consumer:[^\"]+") == "0"; }, kChangeLimit));
  EXPECT_TRUE(Eventually([&] { return DependencyUp("rabbitmq") == "0"; }, kChangeLimit));
  EXPECT_EQ(Check("liveness"), kServing);
  rabbit_.Start();
  ASSERT_TRUE(ready_->WaitFor(kServing)) << process_->Output();
  EXPECT_EQ(DependencyUp("consumer:[^\"]+"), "1");
  EXPECT_EQ(DependencyUp("rabbitmq"), "1");
}

}  // namespace
}  // namespace ipraktik::testing
