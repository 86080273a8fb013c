// The real ipraktik-registration binary, restarted under load: whatever it acknowledged before a
// crash (SIGKILL) or a graceful stop (SIGTERM) is there after the restart, every event of it
// reaches RabbitMQ (the outbox outlives the process), and a retried request is still answered
// from its request id.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::SizeIs;
using Stub = v1::RegistrationService::Stub;

class RestartTest : public ::testing::Test {
 protected:
  RestartTest() : events_(rabbit_.url(), "registration-restart-events") {}

  void Start() {
    auto started =
        StartRegistrationBinary({{"IPRAKTIK_REDIS_ADDRESS", redis_.address()},
                                 {"IPRAKTIK_AMQP_URL", rabbit_.url()},
                                 {"IPRAKTIK_TOKEN_SECRET", ipraktik::testing::kTestTokenSecret}},
                                redis_.dir() / absl::StrCat("registration-", ++starts_, ".log"));
    process_ = std::move(started.process);
    stub_ = std::move(started.stub);
    ASSERT_NE(stub_, nullptr);
  }

  template <typename Request, typename Response>
  Response Ok(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
              const Request& request) {
    return MustCall(*stub_, method, request, "restart");
  }

  v1::SignUpRequest SignUpRequest(int i) {
    v1::SignUpRequest request;
    request.set_round_id(round_.round_id());
    request.set_request_id(absl::StrCat("form-", i));
    v1::Participant* participant = request.mutable_participant();
    participant->set_name(absl::StrCat("Praktikant ", i));
    participant->set_email(absl::StrCat("praktikant", i, "@holstebro.dk"));
    participant->set_job_title("Økonomisk konsulent");
    participant->set_workplace_id(intern_workplace_.workplace_id());
    participant->set_consent(true);
    v1::Application* application = request.mutable_application();
    application->set_purpose("Prøve kræfter med helt andre opgaver og dele gode løsninger.");
    *application->add_available_days() = round_.window_start();
    application->add_wishes()->set_host_offer_id(offer_.host_offer_id());
    return request;
  }

  void MakeRound() {
    auto local =
        MakeLocalRound(*stub_, "restart", DaysFromToday(30), DaysFromToday(40), DaysFromToday(41));
    round_ = local.round;
    intern_workplace_ = local.intern_workplace;
    offer_ = local.offer;
  }

  std::map<std::string, std::string> Applications() {
    std::map<std::string, std::string> etags;
    v1::ListApplicationsRequest list;
    list.set_round_id(round_.round_id());
    list.set_page_size(500);
    auto listed = Ok(&Stub::ListApplications, list);
    for (const auto& application : listed.applications()) {
      etags[application.application_id()] = application.etag();
    }
    return etags;
  }

  ipraktik::testing::RedisServer redis_;
  ipraktik::testing::RabbitMqServer rabbit_;
  EventTap events_;
  // The keys MustCall sends, in the service's Redis.
  store::Pool keys_redis_{[this] {
    store::Options options;
    options.port = redis_.port();
    return options;
  }()};
  ipraktik::testing::KeyRing keys_{keys_redis_};
  KeysForContexts contexts_{keys_};
  std::unique_ptr<ipraktik::testing::ChildProcess> process_;
  std::unique_ptr<Stub> stub_;
  int starts_ = 0;
  v1::Round round_;
  v1::Workplace intern_workplace_;
  v1::HostOffer offer_;
};

TEST_F(RestartTest, NothingAcknowledgedIsLostAcrossACrashAndAGracefulRestart) {
  Start();
  MakeRound();
  std::map<std::string, v1::SignUpResponse> acknowledged;
  for (int i = 0; i < 40; ++i) {
    auto response = Ok(&Stub::SignUp, SignUpRequest(i));
    acknowledged[response.application().application_id()] = response;
  }
  // A crash straight after the last acknowledgement, relay or not.
  process_->Signal(SIGKILL);
  process_->WaitFor(10s);
  Start();
  auto after_crash = Applications();
  ASSERT_THAT(after_crash, SizeIs(40));
  for (const auto& [id, response] : acknowledged) {
    EXPECT_EQ(after_crash[id], response.application().etag());
  }
  // A retry of an acknowledged sign-up is answered from its request id, not stored again.
  auto retried = Ok(&Stub::SignUp, SignUpRequest(7));
  EXPECT_EQ(retried.application().etag(), "1");

  for (int i = 40; i < 60; ++i) Ok(&Stub::SignUp, SignUpRequest(i));
  process_->Signal(SIGTERM);
  auto status = process_->WaitFor(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 0) << process_->Output();
  Start();
  EXPECT_THAT(Applications(), SizeIs(60));

  // Every stored sign-up reached RabbitMQ, including those the crashed process had not
  // published yet.
  auto submitted = events_.WaitFor("registration.application.submitted", 60, {}, 60s);
  EXPECT_THAT(submitted, SizeIs(60));
  std::set<std::string> ids;
  for (const auto& event : submitted) {
    ids.insert(events::UnpackPayload<v1::ApplicationSubmitted>(event)->application_id());
  }
  EXPECT_EQ(ids.size(), 60u);
  process_->Signal(SIGTERM);
  process_->WaitFor(10s);
}

}  // namespace
}  // namespace ipraktik::registration::testing
