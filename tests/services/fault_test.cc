// A round under faults (issue #15, "Proof" 2; docs/operations.md, "What the whole-round tests
// prove"): the five service programs on private Redis (append-only file), RabbitMQ and an SMTP
// sink, each service as its own user as `make run` runs them. A round of 48 interns and 16 host
// offers is published; while its e-mails go out (the notification service sends 1 a second, so the
// phase lasts) and while a client keeps signing people up for another round, the test injects, each
// at a point of progress (so many e-mails in the sink), never at a time:
//   kill -9 the notification service, and start it again;
//   kill -9 the registration service, and start it again;
//   stop the SMTP sink until the notification service has seen it fail, then start it again;
//   restart RabbitMQ; restart Redis on the same folder (its users come from the ACL file), and
//   call the matching service at once, while Redis still loads its append-only file;
//   record a host's decline and ask for a re-match, stop the matching worker after its job
//   was delivered to it, kill -9 it, and start a new one.
// Every fault must land before the first publication's last e-mail is in the sink.
// Then it waits for proofs, and checks: every matching job done (each DONE and published once);
// every e-mail sent exactly once (each delivery record SENT, one e-mail in the sink per record,
// no two e-mails with the same recipient, kind, subject and calendar); no sign-up lost (every
// acknowledged sign-up listed, none twice, the round's 48 still there); nothing left in any queue
// or unacknowledged, except dead-lettered messages, each with its reason. It prints what it
// injected and what it checked. Every wait is for an event, and none goes past the test's
// deadline (its time budget): a wait that fails says what it waited for.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "notification_testing.h"
#include "whole_round.h"

namespace ipraktik::testing {
namespace {

using ::ipraktik::notification::testing::Json;
using ::ipraktik::notification::testing::ReceivedMail;
using ::testing::SizeIs;
using namespace std::chrono_literals;

ProgramServers* const servers = AddProgramServers();

constexpr char kTenant[] = "fyn";
constexpr int kInterns = 48;
constexpr int kOffers = 16;
// The whole test, on two loaded cores (a run takes 170 s alone, 220 s beside two other
// whole-round tests); no wait goes past it.
constexpr auto kTimeBudget = 360s;
// E-mails a second: slow enough that every fault lands while the e-mails go out.
constexpr int kSendRate = 1;

void Say(const std::string& line) { std::cout << "[fault_test] " << line << std::endl; }

// Keeps signing people up for a round, one at a time, each with a request id of its own and
// retried (same request id) until acknowledged, so that a sign-up that fails during a fault is
// repeated and not counted twice. Stop() returns once the one under way is acknowledged.
class SignUpClient {
 public:
  SignUpClient(WholeStack& stack, RoundBuilder& round, std::string round_id,
               std::string workplace_id, std::string offer_id,
               std::chrono::steady_clock::time_point deadline)
      : stack_(stack),
        round_(round),
        round_id_(std::move(round_id)),
        workplace_id_(std::move(workplace_id)),
        offer_id_(std::move(offer_id)),
        deadline_(deadline),
        stub_(v1::RegistrationService::NewStub(stack.Channel("registration"))),
        thread_([this] { Run(); }) {}
  ~SignUpClient() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int acknowledged() const { return acknowledged_; }
  // Whether a sign-up whose successful attempt started after `since` was acknowledged: proof
  // that the service and what it needs work again after a fault that ended at `since`.
  bool AcknowledgedOneStartedAfter(std::chrono::steady_clock::time_point since) const {
    std::lock_guard lock(mutex_);
    return last_acknowledged_start_ > since;
  }
  int failed_attempts() const { return failed_attempts_; }
  const std::vector<std::string>& participants() const { return participants_; }
  const std::vector<std::string>& refusals() const { return refusals_; }

 private:
  void Run() {
    for (int person = 1; !stop_; ++person) {
      auto request = round_.SignUp(round_id_, workplace_id_, absl::StrCat("Løbende ", person),
                                   absl::StrCat("loebende-", person, "@fm.example"),
                                   v1::LANGUAGE_DANISH, {offer_id_}, {30});
      request.set_request_id(absl::StrCat("live-", person));
      // Until acknowledged, also after Stop(): its outcome must be known (but not past the
      // test's deadline: then the test fails on the sign-up not listed).
      const auto give_up = std::min(std::chrono::steady_clock::now() + 120s, deadline_);
      while (std::chrono::steady_clock::now() < give_up) {
        const auto started = std::chrono::steady_clock::now();
        v1::SignUpResponse response;
        auto context = ContextFor(kTenant);
        context->set_deadline(std::chrono::system_clock::now() + 5s);
        grpc::Status status = stub_->SignUp(context.get(), request, &response);
        if (status.ok()) {
          participants_.push_back(response.participant().participant_id());
          {
            std::lock_guard lock(mutex_);
            last_acknowledged_start_ = started;
          }
          ++acknowledged_;
          // A steady trickle, not a flood: the faults are the test, not the load.
          std::this_thread::sleep_for(50ms);
          break;
        }
        ++failed_attempts_;
        if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
            status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
            status.error_code() == grpc::StatusCode::NOT_FOUND) {
          refusals_.push_back(status.error_message());
          return;
        }
        std::this_thread::sleep_for(100ms);
      }
    }
  }

  WholeStack& stack_;
  RoundBuilder& round_;
  std::string round_id_, workplace_id_, offer_id_;
  const std::chrono::steady_clock::time_point deadline_;
  std::unique_ptr<RegistrationStub> stub_;
  mutable std::mutex mutex_;
  std::chrono::steady_clock::time_point last_acknowledged_start_;
  std::atomic<bool> stop_{false};
  std::atomic<int> acknowledged_{0};
  std::atomic<int> failed_attempts_{0};
  std::vector<std::string> participants_;  // read after Stop()
  std::vector<std::string> refusals_;
  std::thread thread_;
};

// rabbitmqctl list_queues: name -> {messages ready, unacknowledged}.
std::map<std::string, std::pair<long, long>> Queues(const RabbitMqServer& rabbit) {
  std::map<std::string, std::pair<long, long>> queues;
  std::istringstream lines(rabbit.Ctl({"list_queues", "-q", "--no-table-headers", "name",
                                       "messages_ready", "messages_unacknowledged"}));
  std::string name;
  long ready = 0, unacked = 0;
  while (lines >> name >> ready >> unacked) queues[name] = {ready, unacked};
  return queues;
}

// The messages of a queue (read through the management API as admin and left there), each as
// its headers' JSON text.
std::vector<std::string> PeekHeaders(const RabbitMqServer& rabbit, const std::string& queue) {
  const std::string got = RunCommand(absl::StrCat(
      "curl -sf -u admin:", rabbit.Password("admin"),
      " -H 'content-type: application/json' -X POST http://127.0.0.1:", rabbit.management_port(),
      "/api/queues/%2F/", queue,
      "/get -d '{\"count\":1000,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"auto\"}'"));
  std::vector<std::string> headers;
  const std::regex header("\"headers\":(\\{[^}]*\\})");
  for (auto it = std::sregex_iterator(got.begin(), got.end(), header); it != std::sregex_iterator();
       ++it) {
    headers.push_back((*it)[1].str());
  }
  return headers;
}

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    started_ = std::chrono::steady_clock::now();
    deadline_ = started_ + kTimeBudget;
    Say(absl::StrCat("time budget ", kTimeBudget.count(), " s"));
    stack_ = std::make_unique<WholeStack>(
        *servers, std::map<std::string, std::string>{
                      // Slow enough that the faults land while e-mails go out.
                      {"IPRAKTIK_NOTIFICATION_SEND_RATE", absl::StrCat(kSendRate)},
                      {"IPRAKTIK_NOTIFICATION_SEND_BURST", "1"},
                      // A killed sender's claims are taken over after this.
                      {"IPRAKTIK_NOTIFICATION_LEASE", "6s"},
                      // An SMTP outage is ridden out, not given up on.
                      {"IPRAKTIK_NOTIFICATION_RETRY_ATTEMPTS", "100"},
                      {"IPRAKTIK_NOTIFICATION_RETRY_DELAY", "500ms"},
                      {"IPRAKTIK_NOTIFICATION_RETRY_MAX_DELAY", "2s"}});
    round_ = std::make_unique<RoundBuilder>(stack_->registration(), kTenant);
  }

  void TearDown() override {
    const auto spent = std::chrono::steady_clock::now() - started_;
    Say(absl::StrCat("took ", std::chrono::duration_cast<std::chrono::seconds>(spent).count(),
                     " s of ", kTimeBudget.count(), " s"));
    EXPECT_LT(spent, kTimeBudget) << "the fault test exceeded its time budget";
  }

  int MailInSink() const { return static_cast<int>(servers->smtp->Messages().size()); }

  // The time left until the test's deadline.
  std::chrono::milliseconds Left() const {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline_ - std::chrono::steady_clock::now()));
  }

  // Waits until predicate holds, at most limit and never past the test's deadline; false (and a
  // failure naming what it waited for) when it did not.
  bool Await(const std::string& what, const std::function<bool()>& predicate,
             std::chrono::milliseconds limit = 120s) {
    using std::chrono::milliseconds;
    const milliseconds left = Left();
    const bool deadline_first = left < limit;
    if (Eventually(predicate, deadline_first ? left : limit)) {
      return true;
    }
    ADD_FAILURE() << "waited in vain for " << what
                  << (deadline_first ? absl::StrCat(" until the test's deadline (",
                                                    kTimeBudget.count(), " s after its start)")
                                     : absl::StrCat(" for ", limit.count() / 1000, " s"));
    return false;
  }

  // Waits until the sink holds at least count e-mails (the progress marker of a fault), and
  // checks that the fault still lands while the first publication's e-mails go out.
  void AwaitProgress(int count) {
    int seen = 0;
    Await(absl::StrCat("e-mail ", count, " in the sink (the marker of the next fault)"),
          [&] { return (seen = MailInSink()) >= count; });
    EXPECT_LT(seen, expected_first_) << "a fault came after the last e-mail of the publication";
  }

  std::string Progress() const {
    return absl::StrCat("after ", MailInSink(), " of ", expected_first_, " e-mails");
  }

  std::unique_ptr<WholeStack> stack_;
  std::unique_ptr<RoundBuilder> round_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point deadline_;
  int expected_first_ = 0;
};

TEST_F(FaultTest, ARoundPublishedWhileEverythingBreaksSendsEachEMailOnceAndLosesNothing) {
  RoundBuilder& round = *round_;
  WholeStack& stack = *stack_;
  ServicePrograms& programs = stack.programs();
  // Keys first: the faults include Redis, where they live.
  stack.keys().Key(kTenant);

  const std::string programme = round.Programme("Innovationspraktik Fyn", false);
  const std::string round_id = round.OpenRound(programme, "Uge 40", 30, 34);
  const std::string live_round = round.OpenRound(programme, "Uge 41", 30, 34);
  const std::string ministry =
      round.Workplace("Finansministeriet", v1::SECTOR_STATE, "Hovedstaden", "København");
  std::vector<std::string> offers;
  std::map<std::string, std::string> contact_of_offer;
  std::vector<std::string> workplaces;  // two offers each
  for (int i = 0; i < kOffers / 2; ++i) {
    workplaces.push_back(round.Workplace(absl::StrCat("Kommune nr. ", i), v1::SECTOR_MUNICIPAL,
                                         "Syddanmark", "Odense"));
  }
  for (int i = 0; i < kOffers; ++i) {
    const std::string& workplace = workplaces[i / 2];
    const std::string contact = absl::StrCat("vaert-", i, "@kommune.example");
    offers.push_back(round.Offer(round_id, workplace, absl::StrCat("Praktik ", i), 2, {30, 31},
                                 absl::StrCat("Vært ", i), contact,
                                 i % 2 ? v1::LANGUAGE_ENGLISH : v1::LANGUAGE_DANISH));
    contact_of_offer[offers.back()] = contact;
  }
  const std::string live_offer = round.Offer(
      live_round, round.Workplace("Kommune nr. 99", v1::SECTOR_MUNICIPAL, "Syddanmark", "Odense"),
      "Løbende praktik", 100, {30}, "Vært 99", "vaert-99@kommune.example");
  for (int i = 0; i < kInterns; ++i) {
    const std::vector<std::string> wishes = {offers[i % kOffers], offers[(i * 5 + 3) % kOffers],
                                             offers[(i * 7 + 1) % kOffers]};
    std::set<std::string> distinct(wishes.begin(), wishes.end());
    auto request = round.SignUp(round_id, ministry, absl::StrCat("Praktikant ", i),
                                absl::StrCat("praktikant-", i, "@fm.example"),
                                i % 2 ? v1::LANGUAGE_ENGLISH : v1::LANGUAGE_DANISH,
                                std::vector<std::string>(distinct.begin(), distinct.end()), {30});
    MustCall(stack.registration(), &RegistrationStub::SignUp, request, kTenant);
  }
  round.Transition(round_id, v1::ROUND_STATE_CLOSED);
  v1::UpdateNotificationSettingsRequest settings;
  settings.mutable_settings()->set_sender_address("fyn@coi.example");
  settings.mutable_settings()->set_reply_to("sekretariat@coi.example");
  {
    v1::UpdateNotificationSettingsResponse response;
    auto context = ContextFor(kTenant);
    ASSERT_TRUE(
        stack.notification().UpdateNotificationSettings(context.get(), settings, &response).ok());
  }
  std::string first_job;
  {
    v1::RequestMatchingRequest request;
    request.set_round_id(round_id);
    request.set_preview(true);
    v1::RequestMatchingResponse response;
    auto context = ContextFor(kTenant);
    ASSERT_TRUE(stack.matching().RequestMatching(context.get(), request, &response).ok());
    first_job = response.job().job_id();
  }
  AwaitJob(stack.matching(), kTenant, first_job, /*published=*/false, Left());

  // The live sign-ups run from here to the end of the faults.
  SignUpClient live(stack, round, live_round, ministry, live_offer, deadline_);
  {
    v1::PublishMatchingRequest publish;
    publish.set_job_id(first_job);
    v1::PublishMatchingResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status = stack.matching().PublishMatching(context.get(), publish, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    expected_first_ = response.notified();
  }
  Say(absl::StrCat("published job ", first_job, ": ", expected_first_, " e-mails to send, ",
                   kSendRate, " a second"));
  ASSERT_GT(expected_first_, kInterns);

  // 1. kill -9 the notification service while it sends.
  AwaitProgress(6);
  Say(absl::StrCat("kill -9 notification ", Progress()));
  programs.Kill("notification");
  programs.Restart("notification");
  Say(absl::StrCat("notification started again ", Progress()));

  // 2. kill -9 the registration service (the live sign-ups meet it).
  AwaitProgress(12);
  const int signups_before_kill = live.acknowledged();
  Say(absl::StrCat("kill -9 registration ", Progress(), ", ", signups_before_kill,
                   " live sign-ups acknowledged"));
  programs.Kill("registration");
  programs.Restart("registration");
  const auto registration_back = std::chrono::steady_clock::now();
  Await("a sign-up started after the registration service came back",
        [&] { return live.AcknowledgedOneStartedAfter(registration_back); });
  Say(absl::StrCat("registration started again; sign-ups go on (", live.acknowledged(), ")"));

  // 3. The SMTP sink stops until a send has failed on it, then starts again.
  AwaitProgress(18);
  const double retried_before =
      programs.Metric("notification", "ipraktik_notification_emails_retried_total");
  Say(absl::StrCat("SMTP sink stopped ", Progress()));
  servers->smtp->Stop();
  Await("the notification service to fail a send to the stopped SMTP sink (a retry counted)", [&] {
    return programs.Metric("notification", "ipraktik_notification_emails_retried_total") >
           retried_before;
  });
  Say(absl::StrCat("the notification service failed to reach it (",
                   programs.Metric("notification", "ipraktik_notification_emails_retried_total") -
                       retried_before,
                   " attempts to retry); SMTP sink started again ", Progress()));
  servers->smtp->Start();

  // 4. RabbitMQ restarts.
  AwaitProgress(24);
  Say(absl::StrCat("RabbitMQ restart ", Progress()));
  servers->rabbit->Restart();
  Say(absl::StrCat("RabbitMQ back ", Progress()));

  // 5. Redis restarts on the same folder (append-only file; users from its ACL file). The
  // matching service is called at once, while Redis may still be loading its data: the call
  // waits for it (libs/store waits out LOADING) instead of failing.
  AwaitProgress(30);
  Say(absl::StrCat("Redis restart ", Progress(), ", ", live.acknowledged(),
                   " live sign-ups acknowledged"));
  servers->redis->Restart();
  const auto redis_back = std::chrono::steady_clock::now();
  Say(absl::StrCat("Redis back ", Progress()));
  v1::ListPlacementsRequest list;
  list.set_round_id(round_id);
  list.set_page_size(500);
  v1::ListPlacementsResponse placed;
  {
    auto context = ContextFor(kTenant);
    grpc::Status status = stack.matching().ListPlacements(context.get(), list, &placed);
    ASSERT_TRUE(status.ok()) << "ListPlacements right after the Redis restart: "
                             << status.error_code() << " " << status.error_message();
  }
  Say(absl::StrCat("ListPlacements right after the Redis restart answered ",
                   placed.placements_size(), " placements"));
  Await("a sign-up started after Redis came back",
        [&] { return live.AcknowledgedOneStartedAfter(redis_back); });

  // 6. A host declines; the re-match's job is delivered to a worker that hangs (SIGSTOP), which
  // is then killed; a new worker must do the job.
  AwaitProgress(36);
  const v1::Placement* declined = nullptr;
  for (const auto& placement : placed.placements()) {
    if (!placement.host_offer_id().empty()) {
      declined = &placement;
      break;
    }
  }
  ASSERT_NE(declined, nullptr);
  const std::string declined_intern = declined->participant_id();
  const std::string declining_contact = contact_of_offer.at(declined->host_offer_id());
  {
    v1::RecordPlacementChangeRequest change;
    change.set_round_id(round_id);
    change.set_participant_id(declined_intern);
    change.set_kind(v1::PLACEMENT_CHANGE_KIND_HOST_DECLINED);
    v1::RecordPlacementChangeResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status = stack.matching().RecordPlacementChange(context.get(), change, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // The worker's consumer is back from the RabbitMQ restart (it reconnects with a backoff of up
  // to 10 s): stopped before it, the worker would never be delivered the job.
  Await("the matching worker consuming matching.jobs again", [&] {
    return programs.Metric("matching-worker", "ipraktik_dependency_up",
                           {{"dependency", "consumer:matching.jobs"}}) == 1;
  });
  programs["matching-worker"].process->Signal(SIGSTOP);
  std::string rematch_job;
  {
    v1::RequestMatchingRequest request;
    request.set_round_id(round_id);
    v1::RequestMatchingResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status = stack.matching().RequestMatching(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    rematch_job = response.job().job_id();
  }
  Await("the re-match job delivered to the stopped worker (1 unacknowledged in matching.jobs)",
        [&] { return Queues(*servers->rabbit)["matching.jobs"].second == 1; });
  Say(absl::StrCat("re-match job ", rematch_job,
                   " delivered to the hung worker; kill -9 matching-worker ", Progress()));
  EXPECT_LT(MailInSink(), expected_first_)
      << "the worker was killed after the last e-mail of the publication";
  programs.Kill("matching-worker");
  programs.Restart("matching-worker");
  live.Stop();
  Say(absl::StrCat("matching-worker started again; live sign-ups stopped at ", live.acknowledged(),
                   " (", live.failed_attempts(),
                   " attempts failed during the faults and were retried)"));
  EXPECT_THAT(live.refusals(), SizeIs(0));

  // Proofs. Both jobs done, the re-match published.
  const v1::MatchingJob rematched =
      AwaitJob(stack.matching(), kTenant, rematch_job, /*published=*/true, Left());
  {
    v1::ListMatchingJobsRequest request;
    request.set_round_id(round_id);
    v1::ListMatchingJobsResponse response;
    auto context = ContextFor(kTenant);
    ASSERT_TRUE(stack.matching().ListMatchingJobs(context.get(), request, &response).ok());
    std::set<std::string> ids;
    for (const auto& job : response.jobs()) {
      EXPECT_EQ(job.state(), v1::MATCHING_JOB_STATE_DONE) << job.DebugString();
      EXPECT_TRUE(job.has_published_at()) << job.DebugString();
      ids.insert(job.job_id());
    }
    EXPECT_EQ(ids, (std::set<std::string>{first_job, rematch_job}));
    Say(
        absl::StrCat("checked: the round has 2 matching jobs, both DONE and published; the "
                     "re-match took ",
                     rematched.attempts(), " worker attempt(s)"));
  }

  // Nothing waits in a queue or unacknowledged, but dead letters: every event was handled.
  std::map<std::string, std::pair<long, long>> queues;
  const auto queues_idle = [&] {
    queues = Queues(*servers->rabbit);
    for (const auto& [name, counts] : queues) {
      if (name.ends_with(".dlq")) continue;
      if (counts.first != 0 || counts.second != 0) return false;
    }
    return !queues.empty();
  };

  // Every e-mail of the round recorded SENT, each in the sink once. Only once every event was
  // handled (the queues idle) are there no more records to come: a batch's events are handled
  // one after the other, so between two of them every record there may already be SENT.
  std::vector<v1::Delivery> deliveries;
  if (!Await(
          "every event handled, every delivery record of the round SENT, as many as e-mails in "
          "the sink",
          [&] {
            if (!queues_idle()) return false;
            deliveries = Deliveries(stack.notification(), kTenant, round_id);
            if (deliveries.size() <= static_cast<std::size_t>(expected_first_)) return false;
            for (const auto& delivery : deliveries) {
              if (delivery.state() != v1::DELIVERY_STATE_SENT) return false;
            }
            return static_cast<int>(deliveries.size()) == MailInSink();
          },
          180s)) {
    ADD_FAILURE() << deliveries.size() << " records, " << MailInSink() << " e-mails in the sink";
  }
  const Json mail = ReceivedMail(*servers->smtp);
  std::map<std::string, int> by_message_id;
  std::map<std::string, int> by_content;
  std::map<std::string, std::vector<std::string>> kinds_to;
  for (const Json& message : mail) {
    const std::string id = message["ipraktik_message"].get<std::string>();
    ++by_message_id[message["to"].get<std::string>() + " " + id];
    std::string content = message["to"].get<std::string>() + "|" +
                          message["kind"].get<std::string>() + "|" +
                          message["subject"].get<std::string>();
    for (const auto& calendar : message["calendars"]) {
      for (const auto& event : calendar["events"]) {
        content += absl::StrCat("|", calendar["method"].get<std::string>(), " ",
                                event["uid"].get<std::string>(), " ", event["sequence"].get<int>());
      }
    }
    ++by_content[content];
    kinds_to[message["to"].get<std::string>()].push_back(message["kind"].get<std::string>());
  }
  int checked = 0;
  for (const auto& delivery : deliveries) {
    EXPECT_EQ(delivery.state(), v1::DELIVERY_STATE_SENT) << delivery.DebugString();
    int copies = 0;
    for (const auto& [key, count] : by_message_id) {
      if (key.ends_with(" " + delivery.message_id()) &&
          key.find(delivery.recipient_email()) != std::string::npos) {
        copies += count;
      }
    }
    EXPECT_EQ(copies, 1) << "e-mails in the sink for " << delivery.DebugString();
    checked += copies == 1;
  }
  for (const auto& [content, count] : by_content) {
    EXPECT_EQ(count, 1) << "the same e-mail " << count << " times: " << content;
  }
  EXPECT_EQ(mail.size(), deliveries.size()) << "an e-mail in the sink without a record";
  // Every intern heard once from the first publication; the declined one once more.
  for (int i = 0; i < kInterns; ++i) {
    const std::string address = absl::StrCat("praktikant-", i, "@fm.example");
    std::vector<std::string> kinds;
    for (const auto& [to, to_kinds] : kinds_to) {
      if (to.find("<" + address + ">") != std::string::npos || to == address) {
        kinds.insert(kinds.end(), to_kinds.begin(), to_kinds.end());
      }
    }
    EXPECT_GE(kinds.size(), 1u) << address;
    EXPECT_LE(kinds.size(), 2u) << address;
  }
  bool cancellation = false;
  for (const auto& [to, kinds] : kinds_to) {
    if (to.find(declining_contact) == std::string::npos) continue;
    for (const auto& kind : kinds) cancellation = cancellation || kind == "host_cancellation";
  }
  EXPECT_TRUE(cancellation) << "the declining host got no cancellation";
  Say(absl::StrCat("checked: ", deliveries.size(), " delivery records all SENT, ", checked,
                   " of them with exactly one e-mail in the sink, ", mail.size(),
                   " e-mails in the sink, no two alike (recipient, kind, subject, calendar)"));

  // No sign-up lost or doubled: the round's 48 and every acknowledged live one.
  auto applications = [&](const std::string& of_round) {
    std::vector<std::string> participants;
    v1::ListApplicationsRequest request;
    request.set_round_id(of_round);
    request.set_page_size(500);
    do {
      auto page =
          MustCall(stack.registration(), &RegistrationStub::ListApplications, request, kTenant);
      for (const auto& application : page.applications()) {
        participants.push_back(application.participant_id());
      }
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return participants;
  };
  EXPECT_THAT(applications(round_id), SizeIs(kInterns));
  const auto listed = applications(live_round);
  const std::set<std::string> listed_set(listed.begin(), listed.end());
  EXPECT_EQ(listed.size(), listed_set.size()) << "an application listed twice";
  const std::set<std::string> acknowledged(live.participants().begin(), live.participants().end());
  EXPECT_EQ(acknowledged.size(), live.participants().size()) << "two sign-ups, one person";
  EXPECT_EQ(listed_set, acknowledged);
  Say(absl::StrCat("checked: ", kInterns, " applications of the round and all ",
                   acknowledged.size(), " acknowledged live sign-ups are there, none twice"));
  // The round's publication reached the registration service, killed and all.
  v1::GetRoundRequest get_round;
  get_round.set_round_id(round_id);
  Await("the registration service to mark the round PUBLISHED", [&] {
    return MustCall(stack.registration(), &RegistrationStub::GetRound, get_round, kTenant)
               .round()
               .state() == v1::ROUND_STATE_PUBLISHED;
  });

  // Nothing waits in a queue or unacknowledged, but dead letters, each with its reason.
  if (!Await("every queue but the dead-letter queues empty, nothing unacknowledged", queues_idle)) {
    std::string text;
    for (const auto& [name, counts] : queues) {
      text += absl::StrCat(name, " ready ", counts.first, " unacked ", counts.second, "\n");
    }
    ADD_FAILURE() << text;
  }
  int dead = 0;
  for (const auto& [name, counts] : queues) {
    if (!name.ends_with(".dlq") || counts.first + counts.second == 0) continue;
    for (const std::string& headers : PeekHeaders(*servers->rabbit, name)) {
      ++dead;
      EXPECT_TRUE(headers.find("x-ipraktik-death-reason") != std::string::npos ||
                  headers.find("x-first-death-reason") != std::string::npos)
          << name << ": a dead letter without a reason: " << headers;
      Say(absl::StrCat("dead letter in ", name, ": ", headers));
    }
  }
  Say(absl::StrCat("checked: ", queues.size(), " queues empty with nothing unacknowledged, ", dead,
                   " dead letters, each with a reason"));
}

}  // namespace
}  // namespace ipraktik::testing
