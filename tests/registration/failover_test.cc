// The real ipraktik-registration binary behind Redis Sentinel (issue #14): a primary and a replica
// redis-server and three Sentinels on loopback, the service signing participants up in a loop,
// and the primary killed (SIGKILL) in the middle. The Sentinels promote the replica; the service
// finds the new primary through them and goes on acknowledging sign-ups; and every sign-up it
// acknowledged, before or after the failover, is there at the end. Calls may fail while the
// primary is gone, as UNAVAILABLE, never acknowledged: with IPRAKTIK_REDIS_WAIT_REPLICAS=1 a
// sign-up is acknowledged only once a replica holds it, so promoting that replica keeps it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "eventually.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::IsEmpty;
using Stub = v1::RegistrationService::Stub;

// Long enough that a Redis starved of CPU on a busy test machine is not taken for a dead one
// (which makes the Sentinels fail over again, legitimately, but needlessly).
constexpr auto kDownAfter = 3000ms;

class FailoverTest : public ::testing::Test {
 protected:
  std::string SentinelList() const {
    std::string list;
    for (const auto& sentinel : sentinels_) {
      absl::StrAppend(&list, list.empty() ? "" : ",", sentinel->address());
    }
    return list;
  }

  // Every Sentinel knows the replica and the two others, and the replica follows the primary:
  // only then can they agree on a failover that keeps what the replica confirmed.
  bool SetUpComplete() const {
    if (replica_.Replication()["master_link_status"] != "up") return false;
    for (const auto& sentinel : sentinels_) {
      auto master = sentinel->Master();
      if (master["num-slaves"] != "1" || master["num-other-sentinels"] != "2") return false;
    }
    return true;
  }

  void Start() {
    auto started =
        StartRegistrationBinary({{"IPRAKTIK_REDIS_SENTINELS", SentinelList()},
                                 {"IPRAKTIK_REDIS_MASTER_NAME", "ipraktik"},
                                 {"IPRAKTIK_REDIS_WAIT_REPLICAS", "1"},
                                 // A replica starved of CPU on a loaded machine is not what
                                 // this test is about: it may take its time to confirm.
                                 {"IPRAKTIK_REDIS_WAIT_TIMEOUT", "1s"},
                                 // The loop signs up as fast as it can: no rate limit in the way.
                                 {"IPRAKTIK_RATE_LIMIT_PER_SECOND", "0"},
                                 {"IPRAKTIK_AMQP_URL", rabbit_.url()},
                                 {"IPRAKTIK_TOKEN_SECRET", ipraktik::testing::kTestTokenSecret}},
                                primary_.dir() / "registration.log");
    process_ = std::move(started.process);
    stub_ = std::move(started.stub);
    ASSERT_NE(stub_, nullptr);
  }

  v1::SignUpRequest SignUpRequest(int i) const {
    v1::SignUpRequest request;
    request.set_round_id(round_.round.round_id());
    request.set_request_id(absl::StrCat("failover-", i));
    v1::Participant* participant = request.mutable_participant();
    participant->set_name(absl::StrCat("Praktikant ", i));
    participant->set_email(absl::StrCat("praktikant", i, "@struer.dk"));
    participant->set_job_title("Sagsbehandler");
    participant->set_workplace_id(round_.intern_workplace.workplace_id());
    participant->set_consent(true);
    v1::Application* application = request.mutable_application();
    application->set_purpose("Se hvordan en anden forvaltning løser de samme opgaver.");
    *application->add_available_days() = round_.round.window_start();
    application->add_wishes()->set_host_offer_id(round_.offer.host_offer_id());
    return request;
  }

  // Sign-ups one after another until stop; the acknowledged ones (application id -> etag) and
  // the status codes of the failed ones.
  void SignUpUntil(const std::atomic<bool>& stop) {
    for (int i = 0; !stop; ++i) {
      v1::SignUpResponse response;
      auto context = ContextFor("failover");
      grpc::Status status = stub_->SignUp(context.get(), SignUpRequest(i), &response);
      std::lock_guard lock(mutex_);
      if (status.ok()) {
        acknowledged_[response.application().application_id()] = response.application().etag();
        if (primary_port_after_ != 0) ++acknowledged_after_switch_;
      } else {
        failures_.push_back(status.error_code());
        failure_messages_.push_back(status.error_message());
      }
    }
  }

  int Acknowledged() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(acknowledged_.size());
  }
  int AcknowledgedAfterSwitch() {
    std::lock_guard lock(mutex_);
    return acknowledged_after_switch_;
  }

  ipraktik::testing::RedisServer primary_;
  ipraktik::testing::RedisServer replica_{primary_.port()};
  std::vector<std::unique_ptr<ipraktik::testing::SentinelServer>> sentinels_ = [this] {
    std::vector<std::unique_ptr<ipraktik::testing::SentinelServer>> sentinels;
    for (int i = 0; i < 3; ++i) {
      sentinels.push_back(
          std::make_unique<ipraktik::testing::SentinelServer>(primary_.port(), kDownAfter));
    }
    return sentinels;
  }();
  ipraktik::testing::RabbitMqServer rabbit_;
  // The keys ContextFor sends, written where the service finds them: through the Sentinels, and
  // confirmed by the replica (they must outlive the failover too).
  store::Pool keys_redis_{[this] {
    store::Options options;
    for (const auto& sentinel : sentinels_)
      options.sentinels.push_back({"127.0.0.1", sentinel->port()});
    options.wait_replicas = 1;
    options.wait_timeout = absl::Seconds(30);
    options.command_timeout = absl::Seconds(60);  // WAIT is bounded by half of it
    return options;
  }()};
  ipraktik::testing::KeyRing keys_{keys_redis_};
  KeysForContexts contexts_{keys_};
  std::unique_ptr<ipraktik::testing::ChildProcess> process_;
  std::unique_ptr<Stub> stub_;
  LocalRound round_;

  std::mutex mutex_;
  std::map<std::string, std::string> acknowledged_;
  int acknowledged_after_switch_ = 0;
  int primary_port_after_ = 0;  // set once the Sentinels named the new primary
  std::vector<grpc::StatusCode> failures_;
  std::vector<std::string> failure_messages_;
};

TEST_F(FailoverTest, TheServiceFollowsAFailoverAndLosesNoAcknowledgedSignUp) {
  ASSERT_TRUE(ipraktik::testing::Eventually([&] { return SetUpComplete(); }, 60s))
      << "the Sentinels never saw the replica and each other";
  Start();
  round_ =
      MakeLocalRound(*stub_, "failover", DaysFromToday(30), DaysFromToday(40), DaysFromToday(41));
  ASSERT_FALSE(HasFailure());

  std::atomic<bool> stop = false;
  std::thread writer([&] { SignUpUntil(stop); });
  ASSERT_TRUE(ipraktik::testing::Eventually([&] { return Acknowledged() >= 20; }, 60s));

  // The primary crashes mid-stream; the Sentinels agree it is down and promote the replica.
  primary_.Kill();
  const bool switched = ipraktik::testing::Eventually(
      [&] {
        for (const auto& sentinel : sentinels_) {
          if (sentinel->PrimaryPort() != replica_.port()) return false;
        }
        return true;
      },
      60s);
  {
    std::lock_guard lock(mutex_);
    primary_port_after_ = replica_.port();
  }
  // What Kubernetes does with the crashed pod: it comes back as the new primary's replica
  // (start-redis.sh asks the Sentinels), so writes find a replica to confirm them again.
  if (switched) primary_.StartAsReplicaOf(replica_.port());
  const bool writes_go_on = switched && ipraktik::testing::Eventually(
                                            [&] { return AcknowledgedAfterSwitch() >= 20; }, 60s);
  stop = true;
  writer.join();
  ASSERT_TRUE(switched) << "no Sentinel named the replica the primary";
  ASSERT_TRUE(writes_go_on) << "the service acknowledged no sign-ups on the new primary:\n"
                            << process_->Output();
  std::cout << acknowledged_.size() << " sign-ups acknowledged (" << acknowledged_after_switch_
            << " after the switch), " << failures_.size() << " failed\n";
  // Failed calls failed as UNAVAILABLE (or ran out of time), and were not acknowledged.
  for (std::size_t i = 0; i < failures_.size(); ++i) {
    EXPECT_THAT(failures_[i],
                AnyOf(Eq(grpc::StatusCode::UNAVAILABLE), Eq(grpc::StatusCode::DEADLINE_EXCEEDED)))
        << failure_messages_[i];
  }

  // Every acknowledged sign-up is there, through the service, on the new primary.
  std::map<std::string, std::string> stored;
  v1::ListApplicationsRequest list;
  list.set_round_id(round_.round.round_id());
  list.set_page_size(500);
  do {
    v1::ListApplicationsResponse listed;
    auto context = ContextFor("failover");
    grpc::Status status = stub_->ListApplications(context.get(), list, &listed);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& application : listed.applications()) {
      stored[application.application_id()] = application.etag();
    }
    list.set_page_token(listed.next_page_token());
  } while (!list.page_token().empty());
  std::vector<std::string> lost;
  for (const auto& [id, etag] : acknowledged_) {
    auto found = stored.find(id);
    if (found == stored.end() || found->second != etag) lost.push_back(id);
  }
  EXPECT_THAT(lost, IsEmpty()) << "of " << acknowledged_.size() << " acknowledged sign-ups";
  process_->Signal(SIGTERM);
  process_->WaitFor(10s);
}

}  // namespace
}  // namespace ipraktik::registration::testing
