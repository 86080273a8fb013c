// The caller's deadline reaches the store: a call whose deadline passes while Redis holds its
// writes (CLIENT PAUSE ... WRITE) is answered DEADLINE_EXCEEDED by the server, frees its handler
// thread while Redis still holds writes, and leaves nothing written. The store's own command
// timeout is set far beyond the pause, so only the call's deadline can end the wait.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "eventually.h"
#include "ipraktik/store/connection.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using namespace std::chrono_literals;
using Stub = v1::RegistrationService::Stub;

std::set<std::string> Keys(store::Connection& redis) {
  auto keys = redis.Command({"KEYS", "*"});
  EXPECT_TRUE(keys.ok()) << keys.status();
  std::set<std::string> names;
  if (keys.ok()) {
    for (const auto& key : keys->elements()) names.insert(key.str());
  }
  return names;
}

// The clients Redis holds (paused or blocked) now.
std::int64_t HeldClients(store::Connection& redis) {
  auto info = redis.Command({"INFO", "clients"});
  if (!info.ok()) return -1;
  const std::string field = "blocked_clients:";
  auto at = info->str().find(field);
  if (at == std::string::npos) return -1;
  return std::stoll(info->str().substr(at + field.size()));
}

TEST(DeadlineTest, ACallPastItsDeadlineOnAPausedRedisWritesNothing) {
  ipraktik::testing::RedisServer redis;
  TestClock clock(absl::Now());
  InProcessRegistration service(redis, "", clock,
                                {.handlers = {.threads = 1},
                                 .redis_command_timeout = absl::Minutes(5),
                                 .with_bus = false,
                                 .deadlines = {}});
  auto stub = service.NewStub();
  store::Connection admin({.port = redis.port()});

  v1::CreateProgrammeRequest first;
  first.mutable_programme()->set_name("Before the pause");
  first.set_request_id("before-pause");
  auto existing =
      MustCall(*stub, &Stub::CreateProgramme, first, "aarhus").programme().programme_id();
  const std::set<std::string> keys_before = Keys(admin);

  ASSERT_TRUE(admin.Command({"CLIENT", "PAUSE", "60000", "WRITE"}).ok());
  v1::CreateProgrammeRequest paused;
  paused.mutable_programme()->set_name("During the pause");
  paused.set_request_id("during-pause");
  v1::CreateProgrammeResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 50ms);
  ipraktik::testing::AddKey(context, service.keys().Key("aarhus"));
  EXPECT_EQ(stub->CreateProgramme(&context, paused, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);

  // The one handler thread is free again while Redis still holds writes (for 60 s, and the
  // store would wait 5 min): only the call's deadline can have ended its wait.
  v1::GetProgrammeRequest get;
  get.set_programme_id(existing);
  EXPECT_EQ(MustCall(*stub, &Stub::GetProgramme, get, "aarhus").programme().name(),
            "Before the pause");
  // The server closed the connection that waited, so Redis dropped the held command.
  EXPECT_TRUE(ipraktik::testing::Eventually([&] { return HeldClients(admin) == 0; }));

  ASSERT_TRUE(admin.Command({"CLIENT", "UNPAUSE"}).ok());
  EXPECT_EQ(Keys(admin), keys_before);
  v1::ListProgrammesRequest list;
  auto listed = MustCall(*stub, &Stub::ListProgrammes, list, "aarhus");
  ASSERT_EQ(listed.programmes_size(), 1);
  EXPECT_EQ(listed.programmes(0).programme_id(), existing);
}

// A stream the client set no deadline for is bounded per step, not as a whole: an import held
// open (by the client) well past the default deadline still imports its later messages, while a
// step that Redis holds still ends at the default deadline.
class StreamDeadlineTest : public ::testing::Test {
 protected:
  // Short enough to outlast in a test, long enough that a step storing one row on a loaded
  // machine ends well within it (steps that must time out are held by a paused Redis).
  static constexpr auto kDefaultDeadline = 3s;

  StreamDeadlineTest()
      : clock_(absl::Now()),
        service_(redis_, "", clock_,
                 {.handlers = {},
                  .redis_command_timeout = absl::Minutes(5),
                  .with_bus = false,
                  .deadlines = {.default_timeout = kDefaultDeadline, .max_timeout = 60s}}),
        stub_(service_.NewStub()),
        round_(MakeLocalRound(*stub_, kTenant, DaysFromToday(30), DaysFromToday(40),
                              DaysFromToday(41))) {}

  // A message with one good row for person `n`.
  v1::ImportSignUpsRequest Message(int n) const {
    v1::ImportSignUpsRequest message;
    message.set_round_id(round_.round.round_id());
    v1::ImportRow* row = message.add_rows();
    row->set_line(n + 1);
    v1::Participant* participant = row->mutable_participant();
    participant->set_name(absl::StrCat("Praktikant ", n));
    participant->set_email(absl::StrCat("praktikant", n, "@holstebro.dk"));
    participant->set_job_title("Økonomisk konsulent");
    participant->set_workplace_id(round_.intern_workplace.workplace_id());
    participant->set_consent(true);
    v1::Application* application = row->mutable_application();
    application->set_purpose("Prøve kræfter med helt andre opgaver og dele gode løsninger.");
    *application->add_available_days() = round_.round.window_start();
    application->add_wishes()->set_host_offer_id(round_.offer.host_offer_id());
    return message;
  }

  int Applications() {
    v1::ListApplicationsRequest list;
    list.set_round_id(round_.round.round_id());
    list.set_page_size(500);
    return MustCall(*stub_, &Stub::ListApplications, list, kTenant).applications_size();
  }

  static constexpr char kTenant[] = "holstebro";
  ipraktik::testing::RedisServer redis_;
  TestClock clock_;
  InProcessRegistration service_;
  std::unique_ptr<Stub> stub_;
  LocalRound round_;
};

TEST_F(StreamDeadlineTest, AnImportWithoutADeadlineOutlastsTheDefaultDeadline) {
  grpc::ClientContext context;  // no deadline, as `ipraktik import` sends it
  ipraktik::testing::AddKey(context, service_.keys().Key(kTenant));
  v1::ImportSignUpsResponse summary;
  auto writer = stub_->ImportSignUps(&context, &summary);
  ASSERT_TRUE(writer->Write(Message(1)));
  // The first row stored proves the server has opened the stream; from then on, outlast the
  // default deadline before sending the next message.
  ASSERT_TRUE(ipraktik::testing::Eventually([&] { return Applications() == 1; }));
  const auto default_passed = std::chrono::steady_clock::now() + 2 * kDefaultDeadline;
  while (std::chrono::steady_clock::now() < default_passed) {
    std::this_thread::sleep_until(default_passed);
  }
  ASSERT_TRUE(writer->Write(Message(2)));
  ASSERT_TRUE(writer->Write(Message(3)));
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(summary.rows_received(), 3);
  EXPECT_EQ(summary.applications_created(), 3);
  EXPECT_EQ(Applications(), 3);
}

TEST_F(StreamDeadlineTest, AStepThatRedisHoldsEndsTheImportAtTheDefaultDeadline) {
  store::Connection admin({.port = redis_.port()});
  ASSERT_TRUE(admin.Command({"CLIENT", "PAUSE", "60000", "WRITE"}).ok());
  grpc::ClientContext context;
  ipraktik::testing::AddKey(context, service_.keys().Key(kTenant));
  v1::ImportSignUpsResponse summary;
  auto writer = stub_->ImportSignUps(&context, &summary);
  writer->Write(Message(1));  // may fail once the server has ended the stream
  writer->WritesDone();
  // Redis holds writes for 60 s and the store would wait 5 min: only the step's deadline can end
  // the step while writes are still held (the row is reported failed, or the stream is ended).
  grpc::Status status = writer->Finish();
  if (status.ok()) {
    EXPECT_EQ(summary.rows_failed(), 1);
    EXPECT_EQ(summary.applications_created(), 0);
  } else {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  }
  ASSERT_TRUE(admin.Command({"CLIENT", "UNPAUSE"}).ok());
  EXPECT_EQ(Applications(), 0);
}

}  // namespace
}  // namespace ipraktik::registration::testing
