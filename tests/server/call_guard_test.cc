// The call shell's guard seen from a client, against a private Redis: two replicas of a service
// share one rate-limit bucket per caller (a burst passes, the next call is refused with a retry
// delay, and after that delay it passes again, decided on a test clock rather than by waiting);
// and every call of an RPC that declares an audit kind is written to the tenant's audit log with
// its method, object ids, peer and correlation id, a refused call never as a success, and never
// a name or an e-mail address.
#include "ipraktik/server/call_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "api_keys.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/access/authenticator.h"
#include "ipraktik/audit/audit.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/calls.h"
#include "ipraktik/server/grpc_server.h"
#include "metric_value.h"
#include "probe.grpc.pb.h"
#include "prometheus/registry.h"
#include "redis_test.h"

namespace ipraktik::server {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr char kName[] = "Karen Blixen";
constexpr char kEmail[] = "karen.blixen@rungstedlund.dk";

class GuardedServiceImpl : public test::GuardedService::CallbackService {
 public:
  explicit GuardedServiceImpl(Calls calls) : calls_(std::move(calls)) {}

  using test::GuardedService::CallbackService::ErasePerson;
  using test::GuardedService::CallbackService::Ping;
  using test::GuardedService::CallbackService::ReadPerson;

  grpc::ServerUnaryReactor* ReadPerson(grpc::CallbackServerContext* context,
                                       const test::ReadPersonRequest* request,
                                       test::ReadPersonResponse* response) override {
    return calls_.Unary(
        context, request, response,
        [](const CallContext&,
           const test::ReadPersonRequest&) -> absl::StatusOr<test::ReadPersonResponse> {
          test::ReadPersonResponse person;
          person.set_name(kName);
          person.set_email(kEmail);
          return person;
        });
  }

  grpc::ServerUnaryReactor* ErasePerson(grpc::CallbackServerContext* context,
                                        const test::ErasePersonRequest* request,
                                        test::ErasePersonResponse* response) override {
    return calls_.Unary(
        context, request, response,
        [](const CallContext&,
           const test::ErasePersonRequest& erase) -> absl::StatusOr<test::ErasePersonResponse> {
          if (erase.participant_id() == "missing") {
            return errors::NotFound("participant", erase.participant_id());
          }
          return test::ErasePersonResponse();
        });
  }

  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* context,
                                 const test::PingRequest* request,
                                 test::PingResponse* response) override {
    return calls_.Unary(
        context, request, response,
        [](const CallContext&, const test::PingRequest&) -> absl::StatusOr<test::PingResponse> {
          return test::PingResponse();
        });
  }

 private:
  Calls calls_;
};

// One replica of the service: its own handler threads, guard and gRPC server; the Redis (and so
// the buckets and the audit log) and the test clock are shared.
class Replica {
 public:
  Replica(store::Pool& redis, ratelimit::Limit limit, const std::atomic<std::int64_t>& now_us)
      : guard_(redis,
               {.service = "probe",
                .limit = limit,
                .metrics = &registry_,
                .clock = [&now_us] { return absl::FromUnixMicros(now_us.load()); }},
               logging::Logger("guard-test", logging::Level::kError)),
        keys_(redis, testing::kTestTokenSecret),
        authenticator_(keys_),
        service_(Calls(handlers_, {}, logging::Logger("guard-test", logging::Level::kError),
                       authenticator_, &guard_)) {
    auto server = GrpcServer::Start({.address = "127.0.0.1:0", .metrics = &registry_},
                                    {{"ipraktik.test.GuardedService", &service_}});
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = test::GuardedService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  test::GuardedService::Stub& stub() { return *stub_; }
  double Refused(const std::string& tenant) {
    return testing::MetricValue(registry_, "ipraktik_rate_limited_total", {{"tenant", tenant}})
        .value_or(0);
  }

 private:
  prometheus::Registry registry_;
  Executor handlers_{{.threads = 2, .queue_capacity = 16, .metrics = nullptr}};
  CallGuard guard_;
  access::KeyStore keys_;
  access::Authenticator authenticator_;
  GuardedServiceImpl service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<test::GuardedService::Stub> stub_;
};

class CallGuardTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    now_us_ = absl::ToUnixMicros(absl::Now());
    keys_ = std::make_unique<testing::KeyRing>(*redis_);
  }

  // Every call's metadata in one place: a coordinator's key of the tenant (one key per tenant, so
  // the tenant's calls share one rate-limit bucket).
  void Prepare(grpc::ClientContext& context, const std::string& tenant,
               const std::string& correlation_id) {
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    testing::AddKey(context, keys_->Key(tenant));
    if (!correlation_id.empty()) context.AddMetadata("x-correlation-id", correlation_id);
  }

  absl::Status Ping(Replica& replica, const std::string& tenant = "holstebro") {
    grpc::ClientContext context;
    Prepare(context, tenant, "");
    test::PingResponse response;
    return rpc_status::FromGrpcStatus(replica.stub().Ping(&context, {}, &response));
  }

  absl::Status Erase(Replica& replica, const std::string& participant_id,
                     const std::string& correlation_id) {
    grpc::ClientContext context;
    Prepare(context, "holstebro", correlation_id);
    test::ErasePersonRequest request;
    request.set_participant_id(participant_id);
    test::ErasePersonResponse response;
    return rpc_status::FromGrpcStatus(replica.stub().ErasePerson(&context, request, &response));
  }

  absl::StatusOr<test::ReadPersonResponse> Read(Replica& replica,
                                                const std::string& correlation_id) {
    grpc::ClientContext context;
    Prepare(context, "holstebro", correlation_id);
    test::ReadPersonRequest request;
    request.set_participant_id("p-17");
    request.set_round_id("r-2026");
    request.set_name(kName);
    request.set_email(kEmail);
    request.mutable_contact()->set_workplace_id("w-3");
    request.mutable_contact()->set_email(kEmail);
    request.mutable_contact()->set_manager_id(kEmail);
    test::ReadPersonResponse response;
    auto status =
        rpc_status::FromGrpcStatus(replica.stub().ReadPerson(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  std::vector<audit::Entry> AuditLog(const std::string& tenant = "holstebro") {
    auto page = audit::Log(*redis_).List(tenant, {.page_size = 500});
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->entries : std::vector<audit::Entry>{};
  }

  void Advance(absl::Duration by) { now_us_ += absl::ToInt64Microseconds(by); }

  std::atomic<std::int64_t> now_us_{0};
  std::unique_ptr<testing::KeyRing> keys_;
};

TEST_F(CallGuardTest, TwoReplicasShareOneBucketAndARefusalSaysWhenToRetry) {
  const ratelimit::Limit limit{.per_second = 2, .burst = 3};
  Replica first(*redis_, limit, now_us_), second(*redis_, limit, now_us_);

  // The burst, spread over both replicas.
  EXPECT_TRUE(Ping(first).ok());
  EXPECT_TRUE(Ping(second).ok());
  EXPECT_TRUE(Ping(first).ok());
  // The bucket is empty for both.
  absl::Status refused = Ping(second);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("rate limit"));
  auto delay = errors::RetryDelayOf(refused);
  ASSERT_TRUE(delay.has_value());
  EXPECT_EQ(*delay, absl::Milliseconds(500));  // one call every 500 ms at 2 per second
  EXPECT_EQ(Ping(first).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(second.Refused("holstebro"), 1);
  EXPECT_EQ(first.Refused("holstebro"), 1);
  // Another tenant has its own bucket.
  EXPECT_TRUE(Ping(first, "aarhus").ok());

  // Just before the delay the bucket is still empty; at the delay it holds one call again.
  Advance(*delay - absl::Microseconds(1));
  EXPECT_EQ(Ping(second).code(), absl::StatusCode::kResourceExhausted);
  Advance(absl::Microseconds(1));
  EXPECT_TRUE(Ping(second).ok());
  EXPECT_EQ(Ping(first).code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(CallGuardTest, ARefusedCallTakesNothingFromTheBucket) {
  Replica replica(*redis_, {.per_second = 1, .burst = 1}, now_us_);
  EXPECT_TRUE(Ping(replica).ok());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Ping(replica).ok());
  Advance(absl::Seconds(1));
  EXPECT_TRUE(Ping(replica).ok());
}

TEST_F(CallGuardTest, AuditedCallsAreRecordedWithWhoWhatAndFromWhere) {
  Replica replica(*redis_, {.per_second = 0, .burst = 1}, now_us_);  // no rate limit
  ASSERT_TRUE(Read(replica, "read-1").ok());
  ASSERT_TRUE(Erase(replica, "p-17", "erase-1").ok());
  ASSERT_TRUE(Ping(replica).ok());  // declares no audit kind

  auto entries = AuditLog();
  ASSERT_EQ(entries.size(), 2u);
  const audit::Entry& erase = entries[0];  // newest first
  const audit::Entry& read = entries[1];

  EXPECT_EQ(read.kind, "personal_read");
  EXPECT_EQ(read.method, "/ipraktik.test.GuardedService/ReadPerson");
  EXPECT_EQ(read.correlation_id, "read-1");
  EXPECT_EQ(read.outcome, "OK");
  EXPECT_THAT(read.peer, StartsWith("ipv4:127.0.0.1:"));
  EXPECT_THAT(read.key_id, StartsWith("key-"));
  EXPECT_EQ(read.role, "ACCESS_ROLE_COORDINATOR");
  EXPECT_THAT(read.object_ids, Contains(Pair("participant_id", "p-17")));
  EXPECT_THAT(read.object_ids, Contains(Pair("round_id", "r-2026")));
  EXPECT_THAT(read.object_ids, Contains(Pair("contact.workplace_id", "w-3")));
  EXPECT_THAT(read.object_ids, Contains(Pair("contact.manager_id", "(withheld)")));
  EXPECT_LE(absl::Now() - read.time, absl::Minutes(1));

  EXPECT_EQ(erase.kind, "privileged");
  EXPECT_EQ(erase.method, "/ipraktik.test.GuardedService/ErasePerson");
  EXPECT_EQ(erase.correlation_id, "erase-1");
  EXPECT_EQ(erase.outcome, "OK");
  EXPECT_THAT(erase.object_ids, Contains(Pair("participant_id", "p-17")));
}

TEST_F(CallGuardTest, ARefusedCallIsNeverRecordedAsASuccess) {
  Replica replica(*redis_, {.per_second = 1, .burst = 1}, now_us_);
  // Refused by the domain: recorded with its outcome.
  EXPECT_EQ(Erase(replica, "missing", "erase-missing").code(), absl::StatusCode::kNotFound);
  // Refused by the rate limit: the action never ran, so there is nothing to record.
  EXPECT_EQ(Erase(replica, "p-1", "erase-limited").code(), absl::StatusCode::kResourceExhausted);

  auto entries = AuditLog();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].correlation_id, "erase-missing");
  EXPECT_EQ(entries[0].outcome, "NOT_FOUND");
}

TEST_F(CallGuardTest, NoNameOrEmailAddressReachesTheAuditLog) {
  Replica replica(*redis_, {.per_second = 0, .burst = 1}, now_us_);
  ASSERT_TRUE(Read(replica, "read-1").ok());
  ASSERT_TRUE(Erase(replica, "p-17", "erase-1").ok());
  // Everything the stream holds, field by field, as Redis stores it.
  auto raw = redis_->Command({"XRANGE", "ipraktik:{holstebro}:audit", "-", "+"});
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_EQ(raw->elements().size(), 2u);
  EXPECT_THAT(raw->DebugString(), AllOf(Not(HasSubstr("Karen")), Not(HasSubstr("Blixen")),
                                        Not(HasSubstr("@")), Not(HasSubstr("rungstedlund"))));
}

TEST_F(CallGuardTest, APersonalReadThatCannotBeRecordedIsNotAnswered) {
  Replica replica(*redis_, {.per_second = 0, .burst = 1}, now_us_);
  // The log's key holds a string, so every XADD to it fails (WRONGTYPE).
  ASSERT_TRUE(redis_->Command({"SET", "ipraktik:{holstebro}:audit", "broken"}).ok());
  auto read = Read(replica, "read-1");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kUnavailable) << read.status();
  EXPECT_THAT(read.status().message(), HasSubstr("audit log"));
  // A privileged action has already happened when its entry fails: it is answered.
  EXPECT_TRUE(Erase(replica, "p-17", "erase-1").ok());
}

}  // namespace
}  // namespace ipraktik::server
