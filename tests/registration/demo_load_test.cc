// `ipraktik demo load` (the real build/bin/ipraktik, as `make run` runs it) against the
// registration service served in-process with real Redis and RabbitMQ: into an empty tenant it
// loads the four programmes with their rounds, host offers and sign-ups (every sign-up accepted,
// Gladsaxe's waiting for the manager's approval); a second run finds the tenant's programmes and
// loads nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "demo_data.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Stub = v1::RegistrationService::Stub;

class DemoLoadTest : public ::testing::Test {
 protected:
  // Runs build/bin/ipraktik demo load as a coordinator of tenant_; its exit code and output.
  std::pair<int, std::string> Load(int run) {
    auto log = redis_.dir() / absl::StrCat("demo-", run, ".log");
    ipraktik::testing::ChildProcess cli(
        ipraktik::testing::BinaryDir() / "bin" / "ipraktik",
        {"demo", "load", "--server", absl::StrCat("127.0.0.1:", service_.port())},
        {{"IPRAKTIK_API_KEY", service_.keys().Key(tenant_)}}, log);
    auto status = cli.WaitFor(120s);
    EXPECT_TRUE(status.has_value()) << cli.Output();
    return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, cli.Output()};
  }

  // Every item of a listing, page by page.
  template <typename Request, typename Response, typename Each>
  void ForAll(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
              Request request, Each each) {
    auto stub = service_.NewStub();
    request.set_page_size(500);
    do {
      Response page = MustCall(*stub, method, request, tenant_);
      each(page);
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
  }

  // What the tenant holds: programmes, rounds by state, participants, applications per round
  // name and those awaiting approval.
  struct Counts {
    int programmes = 0;
    std::map<v1::RoundState, int> rounds;
    int participants = 0;
    std::map<std::string, int> applications;  // by round name
    int pending = 0;
    int offers = 0;
    bool operator==(const Counts&) const = default;
  };

  Counts Count() {
    Counts counts;
    ForAll(&Stub::ListProgrammes, v1::ListProgrammesRequest(),
           [&](const v1::ListProgrammesResponse& page) {
             counts.programmes += page.programmes_size();
           });
    ForAll(&Stub::ListParticipants, v1::ListParticipantsRequest(),
           [&](const v1::ListParticipantsResponse& page) {
             counts.participants += page.participants_size();
           });
    std::vector<v1::Round> rounds;
    ForAll(&Stub::ListRounds, v1::ListRoundsRequest(), [&](const v1::ListRoundsResponse& page) {
      rounds.insert(rounds.end(), page.rounds().begin(), page.rounds().end());
    });
    for (const v1::Round& round : rounds) {
      ++counts.rounds[round.state()];
      v1::ListApplicationsRequest applications;
      applications.set_round_id(round.round_id());
      ForAll(&Stub::ListApplications, applications, [&](const v1::ListApplicationsResponse& page) {
        counts.applications[round.name()] += page.applications_size();
        for (const auto& application : page.applications()) {
          if (application.approval_state() == v1::APPROVAL_STATE_PENDING) ++counts.pending;
        }
      });
      v1::ListHostOffersRequest offers;
      offers.set_round_id(round.round_id());
      ForAll(&Stub::ListHostOffers, offers, [&](const v1::ListHostOffersResponse& page) {
        counts.offers += page.host_offers_size();
      });
    }
    return counts;
  }

  ipraktik::testing::RedisServer redis_;
  ipraktik::testing::RabbitMqServer rabbit_;
  TestClock clock_{absl::Now()};
  InProcessRegistration service_{redis_, rabbit_.url(), clock_};
  std::string tenant_ = "demo";
};

TEST_F(DemoLoadTest, LoadsTheDemoIntoAnEmptyTenantOnceAndNothingTheSecondTime) {
  // What the loader sends: the demo of the default seed (its size does not depend on the day).
  const cli::demo::Demo demo = cli::demo::MakeDemo(2015, DaysFromToday(0));
  int interns = 0;
  int offers = 0;
  int awaiting = 0;
  std::set<std::string> emails;
  std::map<std::string, int> sign_ups;  // by round name
  for (const auto& programme : demo.programmes) {
    for (const auto& round : programme.rounds) {
      interns += static_cast<int>(round.sign_ups.size());
      offers += static_cast<int>(round.offers.size());
      sign_ups[round.round.name()] = static_cast<int>(round.sign_ups.size());
      if (programme.programme.requires_manager_approval()) {
        awaiting += static_cast<int>(round.sign_ups.size());
      }
      for (const auto& sign_up : round.sign_ups) emails.insert(sign_up.row.participant().email());
      for (const auto& offer : round.offers) emails.insert(offer.contact.email());
    }
  }
  // A realistic demo: a few hundred people, everyone once, some waiting for their manager.
  EXPECT_EQ(demo.programmes.size(), 4u);
  EXPECT_GE(interns, 150);
  EXPECT_EQ(emails.size(), static_cast<std::size_t>(interns + offers)) << "nobody twice";
  EXPECT_GE(awaiting, 10);

  auto [loaded, output] = Load(1);
  ASSERT_EQ(loaded, 0) << output;
  EXPECT_THAT(output, HasSubstr("demo loaded in"));
  EXPECT_THAT(output, HasSubstr(absl::StrCat(awaiting, " sign-ups awaiting their manager's")));
  EXPECT_THAT(output, HasSubstr("Holstebro Kommunes lynpraktik"));

  const Counts counts = Count();
  EXPECT_EQ(counts.programmes, 4);
  EXPECT_EQ(counts.rounds, (std::map<v1::RoundState, int>{{v1::ROUND_STATE_OPEN, 1},
                                                          {v1::ROUND_STATE_CLOSED, 3}}));
  EXPECT_EQ(counts.participants, interns + offers);
  EXPECT_EQ(counts.applications, sign_ups) << "every sign-up accepted";
  EXPECT_EQ(counts.pending, awaiting);
  EXPECT_EQ(counts.offers, offers);

  // Once more: the tenant has programmes, so nothing is loaded, and it says so.
  auto [again, again_output] = Load(2);
  EXPECT_EQ(again, 0) << again_output;
  EXPECT_THAT(again_output, HasSubstr("demo not loaded: the tenant has programmes already"));
  EXPECT_TRUE(Count() == counts) << "nothing added the second time";
}

}  // namespace
}  // namespace ipraktik::registration::testing
