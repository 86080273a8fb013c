// The server library seen from a client: a ProbeService served by GrpcServer through the call
// shell (calls.h) answers with the tenant, correlation id and deadline the library read, fails
// with rich error details, is refused when the handler queue is full, is counted in the RED
// metrics, reports its health, and drains in-flight calls on shutdown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "certificates.h"
#include "eventually.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/error_details.h"
#include "ipraktik/deadline/deadline.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/server/calls.h"
#include "ipraktik/server/grpc_server.h"
#include "ipraktik/tls/tls.h"
#include "probe.grpc.pb.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace ipraktik::server {
namespace {

using namespace std::chrono_literals;
using test::ProbeReply;
using test::ProbeRequest;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

const DeadlinePolicy kPolicy{.default_timeout = 10s, .max_timeout = 60s};

// Holds domain calls until the test opens it.
class Gate {
 public:
  void Pass() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void WaitForWaiters(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiting_ >= count; });
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

class ProbeServiceImpl : public test::ProbeService::CallbackService {
 public:
  explicit ProbeServiceImpl(Calls calls) : calls_(std::move(calls)) {}

  // The generated base also declares the synchronous Probe; without this, -Woverloaded-virtual
  // (on in ipraktik::options) reports the callback override as hiding it.
  using test::ProbeService::CallbackService::Probe;
  using test::ProbeService::CallbackService::Undeclared;

  grpc::ServerUnaryReactor* Undeclared(grpc::CallbackServerContext* context,
                                       const test::UndeclaredRequest* request,
                                       ProbeReply* reply) override {
    return calls_.Unary(context, request, reply,
                        [](const CallContext&, const test::UndeclaredRequest&) {
                          return absl::StatusOr<ProbeReply>(ProbeReply());
                        });
  }

  grpc::ServerUnaryReactor* Probe(grpc::CallbackServerContext* context, const ProbeRequest* request,
                                  ProbeReply* reply) override {
    return calls_.Unary(
        context, request, reply,
        [this](const CallContext& call, const ProbeRequest& probe) -> absl::StatusOr<ProbeReply> {
          ++started;
          auto start = absl::Now();
          if (probe.hold()) gate.Pass();
          if (probe.bad_fields_size() > 0) {
            errors::Violations violations;
            for (const auto& field : probe.bad_fields()) violations.Add(field, "is wrong");
            return violations.ToStatus();
          }
          if (!probe.missing_round().empty())
            return errors::NotFound("round", probe.missing_round());
          ProbeReply answer;
          answer.set_tenant(call.tenant);
          answer.set_correlation_id(call.correlation_id);
          // The deadline the domain call runs under, as the store and the bus see it.
          if (auto deadline = deadline::Current()) {
            answer.set_deadline_ms(absl::ToInt64Milliseconds(*deadline - start));
          }
          return answer;
        });
  }

  Gate gate;
  std::atomic<int> started{0};  // domain calls begun

 private:
  Calls calls_;
};

class ServerTest : public ::testing::Test {
 protected:
  void TearDown() override { service_.gate.Open(); }

  void SetUp() override {
    auto server = GrpcServer::Start({.address = "127.0.0.1:0", .metrics = &registry_},
                                    {{"ipraktik.test.ProbeService", &service_}});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = test::ProbeService::NewStub(channel_);
  }

  grpc::Status Probe(const ProbeRequest& request, ProbeReply& reply,
                     std::optional<std::chrono::milliseconds> timeout = 5s,
                     std::string tenant = "holstebro", std::string correlation_id = "") {
    grpc::ClientContext context;
    if (timeout) context.set_deadline(std::chrono::system_clock::now() + *timeout);
    if (!tenant.empty()) context.AddMetadata("x-ipraktik-tenant", tenant);
    if (!correlation_id.empty()) context.AddMetadata("x-correlation-id", correlation_id);
    auto status = stub_->Probe(&context, request, &reply);
    auto echoed = context.GetServerInitialMetadata().find("x-correlation-id");
    if (echoed != context.GetServerInitialMetadata().end()) {
      echoed_correlation_id_ = std::string(echoed->second.data(), echoed->second.size());
    }
    return status;
  }

  // grpc.health.v1.Health/Check by hand: the request is field 1 (service name), the reply's
  // field 1 the status (1 SERVING, 2 NOT_SERVING). Returns -code when the call fails.
  int Health(const std::string& service) { return HealthOn(channel_, service); }
  static int HealthOn(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
    std::string request;
    if (!service.empty()) {
      request = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
    }
    grpc::Slice slice(request);
    grpc::ByteBuffer request_buffer(&slice, 1), response_buffer;
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request_buffer,
                   &response_buffer, [&done](grpc::Status status) { done.set_value(status); });
    auto status = done.get_future().get();
    if (!status.ok()) return -status.error_code();
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(response_buffer.Dump(&slices).ok());
    std::string response;
    for (const auto& part : slices) response.append(part.begin(), part.end());
    return response.size() == 2 && response[0] == '\x08' ? response[1] : 0;
  }

  // A call on another thread; its status once it ends.
  std::future<grpc::Status> CallInTheBackground(ProbeRequest request,
                                                std::chrono::milliseconds timeout) {
    return std::async(std::launch::async, [this, request, timeout] {
      ProbeReply reply;
      return Probe(request, reply, timeout);
    });
  }

  // A call whose domain work waits at the gate, keeping the one handler thread busy.
  std::future<grpc::Status> HoldTheHandlerThread() {
    ProbeRequest held;
    held.set_hold(true);
    auto call = CallInTheBackground(held, 30s);
    service_.gate.WaitForWaiters(1);
    return call;
  }

  std::string MetricsText() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  prometheus::Registry registry_;
  // One handler thread and room for one waiting call: the tests fill it on purpose.
  Executor handlers_{{.threads = 1,
                      .queue_capacity = 1,
                      .retry_delay = absl::Milliseconds(250),
                      .metrics = &registry_}};
  // Never connected: the probe's calls need no key (a Pool connects when first used).
  store::Pool redis_{[] {
    store::Options options;
    options.port = 1;
    return options;
  }()};
  access::KeyStore keys_{redis_, "secret"};
  access::Authenticator authenticator_{keys_};
  ProbeServiceImpl service_{Calls(
      handlers_, kPolicy, logging::Logger("server-test", logging::Level::kError), authenticator_)};
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<test::ProbeService::Stub> stub_;
  std::string echoed_correlation_id_;
};

TEST_F(ServerTest, HandlersSeeTheCallersTenantAndCorrelationId) {
  ProbeReply reply;
  auto status = Probe({}, reply, 5s, "holstebro", "kald-42");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.tenant(), "holstebro");
  EXPECT_EQ(reply.correlation_id(), "kald-42");
  EXPECT_EQ(echoed_correlation_id_, "kald-42");
}

TEST_F(ServerTest, AMissingCorrelationIdIsGeneratedAndEchoed) {
  ProbeReply reply;
  ASSERT_TRUE(Probe({}, reply).ok());
  EXPECT_THAT(reply.correlation_id(), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(echoed_correlation_id_, reply.correlation_id());
}

TEST_F(ServerTest, AMissingTenantIsABadRequestNamingTheHeader) {
  ProbeReply reply;
  auto status = Probe({}, reply, 5s, /*tenant=*/"");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("x-ipraktik-tenant"));
  google::rpc::Status rich;
  ASSERT_TRUE(grpc::ExtractErrorDetails(status, &rich).ok());
  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::BadRequest request;
  ASSERT_TRUE(rich.details(0).UnpackTo(&request));
  ASSERT_EQ(request.field_violations_size(), 1);
  EXPECT_EQ(request.field_violations(0).field(), "x-ipraktik-tenant");
}

TEST_F(ServerTest, AnRpcThatDeclaresNoRolesIsRefused) {
  grpc::ClientContext context;
  context.AddMetadata("x-ipraktik-tenant", "holstebro");
  ProbeReply reply;
  auto status = stub_->Undeclared(&context, test::UndeclaredRequest(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("declares no roles"));
  EXPECT_FALSE(access::CheckDeclared("ipraktik.test.ProbeService").ok());
}

TEST_F(ServerTest, DomainFailuresReachTheClientWithTheirDetails) {
  ProbeRequest bad;
  bad.add_bad_fields("application.wishes[2]");
  bad.add_bad_fields("application.purpose");
  ProbeReply reply;
  auto status = Probe(bad, reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto back = rpc_status::FromGrpcStatus(status);
  EXPECT_THAT(errors::FieldViolationsOf(back),
              ::testing::ElementsAre(errors::FieldViolation{"application.wishes[2]", "is wrong"},
                                     errors::FieldViolation{"application.purpose", "is wrong"}));

  ProbeRequest missing;
  missing.set_missing_round("r-7");
  status = Probe(missing, reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(errors::ResourceOf(rpc_status::FromGrpcStatus(status))->name, "r-7");
}

TEST_F(ServerTest, DeadlinesFollowThePolicy) {
  ProbeReply reply;
  ASSERT_TRUE(Probe({}, reply, 2s).ok());
  // The client's deadline travels as a timeout that gRPC may round up a little.
  EXPECT_LE(reply.deadline_ms(), 2100);
  EXPECT_GT(reply.deadline_ms(), 1000);
  ASSERT_TRUE(Probe({}, reply, std::nullopt).ok());  // no client deadline: the default, 10 s
  EXPECT_LE(reply.deadline_ms(), 10000);
  EXPECT_GT(reply.deadline_ms(), 9000);
  ASSERT_TRUE(Probe({}, reply, 1h).ok());  // capped at 60 s
  EXPECT_LE(reply.deadline_ms(), 60000);
  EXPECT_GT(reply.deadline_ms(), 59000);
}

TEST_F(ServerTest, CallsAreCountedPerMethodAndCode) {
  ProbeReply reply;
  ASSERT_TRUE(Probe({}, reply).ok());
  ASSERT_TRUE(Probe({}, reply).ok());
  ProbeRequest bad;
  bad.add_bad_fields("x");
  ASSERT_FALSE(Probe(bad, reply).ok());

  auto text = MetricsText();
  const std::string labels = "grpc_method=\"Probe\",grpc_service=\"ipraktik.test.ProbeService\"";
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{" + labels + "} 3"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\"," + labels + "} 2"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"INVALID_ARGUMENT\"," + labels +
                              "} 1"));
  EXPECT_THAT(
      text, HasSubstr("grpc_server_errors_total{grpc_code=\"INVALID_ARGUMENT\"," + labels + "} 1"));
  EXPECT_THAT(text, Not(HasSubstr("grpc_server_errors_total{grpc_code=\"OK\"")));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_count{" + labels + "} 3"));
  // The client may hear the status before the server has let go of the call.
  EXPECT_TRUE(ipraktik::testing::Eventually(
      [&] { return MetricsText().find("grpc_server_in_flight 0") != std::string::npos; }));
}

TEST_F(ServerTest, AFullHandlerQueueIsRefusedWithARetryDelay) {
  auto first = HoldTheHandlerThread();
  auto second = CallInTheBackground(ProbeRequest{}, 5s);
  ASSERT_TRUE(ipraktik::testing::Eventually([&] { return handlers_.queued() == 1; }));

  ProbeReply reply;
  auto refused = Probe({}, reply);  // the queue is full
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(errors::RetryDelayOf(rpc_status::FromGrpcStatus(refused)), absl::Milliseconds(250));
  EXPECT_THAT(MetricsText(), HasSubstr("ipraktik_handler_rejected_total 1"));

  service_.gate.Open();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(second.get().ok());
  EXPECT_EQ(service_.started, 2);  // the refused call never reached the domain
}

TEST_F(ServerTest, ACallWhoseDeadlinePassedInTheQueueIsNotStarted) {
  auto first = HoldTheHandlerThread();
  auto expiring = CallInTheBackground(ProbeRequest{}, 100ms);
  ASSERT_TRUE(ipraktik::testing::Eventually([&] { return handlers_.queued() == 1; }));
  // The server took the call before now, with a timeout of at most 100 ms (gRPC rounds it up by
  // at most a microsecond): once this much later, its deadline has passed on the server too.
  const auto passed = std::chrono::system_clock::now() + 110ms;
  EXPECT_EQ(expiring.get().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(
      ipraktik::testing::Eventually([&] { return std::chrono::system_clock::now() > passed; }));
  service_.gate.Open();
  EXPECT_TRUE(first.get().ok());
  // The client hears the first answer before the handler thread has taken the expired call off
  // the queue; until it has, the queue (of one) is full and would refuse the next call.
  ASSERT_TRUE(ipraktik::testing::Eventually([&] { return handlers_.queued() == 0; }));
  // One handler thread takes calls in order: once a later call is answered, the expired one was
  // taken from the queue before it.
  ProbeReply reply;
  ASSERT_TRUE(Probe({}, reply).ok());
  EXPECT_EQ(service_.started, 2);
}

TEST_F(ServerTest, HealthIsServingUntilSwitchedOff) {
  EXPECT_EQ(Health(""), 1);
  EXPECT_EQ(Health("ipraktik.test.ProbeService"), 1);
  EXPECT_EQ(Health(kLivenessHealthName), 1);
  EXPECT_EQ(Health("no.such.Service"), -grpc::StatusCode::NOT_FOUND);
  server_->SetServing(false);
  EXPECT_EQ(Health(""), 2);
  EXPECT_EQ(Health("ipraktik.test.ProbeService"), 2);
  EXPECT_EQ(Health(kLivenessHealthName), 1);  // not ready, but alive
  server_->SetServing(true);
  EXPECT_EQ(Health(""), 1);
  EXPECT_EQ(Health("ipraktik.test.ProbeService"), 1);
}

TEST_F(ServerTest, ShutdownLetsCallsUnderWayFinish) {
  ProbeRequest held;
  held.set_hold(true);
  auto pending = CallInTheBackground(held, 30s);
  service_.gate.WaitForWaiters(1);  // the call is under way on a handler thread
  auto shutdown = std::async(std::launch::async, [&] { server_->Shutdown(30s); });
  // The shutdown has begun once a new call is refused; the held call is still under way.
  ASSERT_TRUE(ipraktik::testing::Eventually([&] {
    ProbeReply reply;
    return Probe({}, reply, 2s).error_code() == grpc::StatusCode::UNAVAILABLE;
  }));
  service_.gate.Open();
  auto status = pending.get();
  EXPECT_TRUE(status.ok()) << status.error_message();
  shutdown.get();
}

// The API on a mutual-TLS port, and a plaintext port beside it with nothing but the health checks
// (IPRAKTIK_HEALTH_ADDRESS): what Kubernetes' gRPC probes, which speak no TLS, can ask.
TEST_F(ServerTest, APlaintextHealthPortAnswersHealthChecksOnly) {
  ipraktik::testing::Certificates certificates;
  auto identity = certificates.Issue("registration");
  tls::Settings tls{.enabled = true,
                    .certificate_file = identity.certificate.string(),
                    .key_file = identity.key.string(),
                    .ca_file = certificates.ca().string()};
  auto server = GrpcServer::Start({.address = "127.0.0.1:0",
                                   .credentials = tls::ServerCredentials(tls),
                                   .health_address = "127.0.0.1:0"},
                                  {{"ipraktik.test.ProbeService", &service_}});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_NE((*server)->health_port(), 0);
  auto plaintext = grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->health_port()),
                                       grpc::InsecureChannelCredentials());
  EXPECT_EQ(HealthOn(plaintext, ""), 1);
  EXPECT_EQ(HealthOn(plaintext, "liveness"), 1);
  EXPECT_EQ(HealthOn(plaintext, "ipraktik.test.ProbeService"), 1);
  // The API is not there: only behind TLS.
  {
    auto stub = test::ProbeService::NewStub(plaintext);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    context.AddMetadata("x-ipraktik-tenant", "holstebro");
    ProbeReply reply;
    EXPECT_EQ(stub->Probe(&context, {}, &reply).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  // Plaintext on the API port is refused.
  auto api_plaintext = grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->port()),
                                           grpc::InsecureChannelCredentials());
  EXPECT_EQ(HealthOn(api_plaintext, ""), -grpc::StatusCode::UNAVAILABLE);
  // Both ports say the same: not ready, still alive, and NOT_SERVING for good after shutdown.
  (*server)->SetServing(false);
  EXPECT_EQ(HealthOn(plaintext, ""), 2);
  EXPECT_EQ(HealthOn(plaintext, "liveness"), 1);
  (*server)->Shutdown(0ms);
}

TEST(GrpcServerTest, ATakenPortIsAClearError) {
  auto first = GrpcServer::Start({.address = "127.0.0.1:0"}, {});
  ASSERT_TRUE(first.ok());
  auto address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = GrpcServer::Start({.address = address}, {});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr(address));
}

}  // namespace
}  // namespace ipraktik::server
