// The matching service end to end: the registration service (served in-process, real gRPC), the
// matching service and two matching workers as processes, real Redis and RabbitMQ. Coordinators
// preview, publish (once), pin, forbid, honour swaps, record a host's decline and re-match, and
// only the people whose placement changed hear again (the placement events on the bus are what
// the notification service e-mails).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "eventually.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/v1/matching.grpc.pb.h"
#include "ipraktik/v1/matching_events.pb.h"
#include "ipraktik/v1/notification.grpc.pb.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "local_servers.h"
#include "registration_harness.h"

namespace ipraktik::matching_service {
namespace {

using ::ipraktik::registration::testing::ContextFor;
using ::ipraktik::registration::testing::DaysFromToday;
using ::ipraktik::registration::testing::EventTap;
using ::ipraktik::registration::testing::FieldErrors;
using ::ipraktik::registration::testing::InProcessRegistration;
using ::ipraktik::registration::testing::MustCall;
using ::ipraktik::registration::testing::TestClock;
using ::ipraktik::testing::ChildProcess;
using ::ipraktik::testing::Eventually;
using ::testing::AllOf;
using ::testing::HasSubstr;
using namespace std::chrono_literals;
using RegistrationStub = v1::RegistrationService::Stub;

// The records of a CSV file as Python's csv module reads them (an independent reader).
std::vector<std::vector<std::string>> PythonCsv(const std::filesystem::path& file) {
  const std::filesystem::path out = file.string() + ".parsed.json";
  ChildProcess python("/usr/bin/python3",
                      {"-c",
                       "import csv, json, sys\n"
                       "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
                       "    print(json.dumps(list(csv.reader(f, strict=True))))",
                       file.string()},
                      {}, out);
  EXPECT_EQ(python.WaitFor(30s).value_or(-1), 0) << python.Output();
  const auto parsed = nlohmann::json::parse(python.Output(), nullptr, false);
  EXPECT_TRUE(parsed.is_array()) << python.Output();
  std::vector<std::vector<std::string>> rows;
  if (!parsed.is_array()) return rows;
  for (const auto& row : parsed) rows.push_back(row.get<std::vector<std::string>>());
  return rows;
}

// What a FAILED_PRECONDITION refusal lists, type -> subject; each must say what is wrong.
std::map<std::string, std::string> ProblemsOf(const grpc::Status& refused) {
  std::map<std::string, std::string> problems;
  for (const auto& violation :
       errors::PreconditionViolationsOf(rpc_status::FromGrpcStatus(refused))) {
    problems[violation.type] = violation.subject;
    EXPECT_FALSE(violation.description.empty()) << violation.type;
  }
  return problems;
}

// A round in a tenant of its own: three host workplaces each with one offer (the contact is a
// participant of that workplace), and a ministry the interns come from.
struct World {
  std::string tenant;
  std::string round_id;
  std::map<std::string, std::string> workplace;    // "a", "b", "c", "ministry" -> id
  std::map<std::string, std::string> offer;        // "a", "b", "c" -> host offer id
  std::map<std::string, std::string> participant;  // e-mail local part -> participant id
};

class MatchingServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = std::make_unique<ipraktik::testing::RedisServer>();
    rabbit_ = std::make_unique<ipraktik::testing::RabbitMqServer>();
    smtp_ = std::make_unique<ipraktik::testing::SmtpServer>();
    clock_ = std::make_unique<TestClock>(absl::Now());
    registration_ = std::make_unique<InProcessRegistration>(*redis_, rabbit_->url(), *clock_);
    tap_ = std::make_unique<EventTap>(
        rabbit_->url(), "test.placements",
        std::vector<std::string>{"matching.intern.#", "matching.host.#", "matching.result.#",
                                 contract::kPlacementsPublished, contract::kJobRequested});
    const std::map<std::string, std::string> common = {
        {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0"},
        {"IPRAKTIK_REDIS_ADDRESS", redis_->address()},
        {"IPRAKTIK_AMQP_URL", rabbit_->url()},
        {"IPRAKTIK_MATCHING_JOB_ATTEMPTS", "3"},
        {"IPRAKTIK_MATCHING_JOB_RETRY_DELAY", "100ms"},
        {"IPRAKTIK_TOKEN_SECRET", ipraktik::testing::kTestTokenSecret}};
    // The notification service with the sender as shipped (ipraktik@ipraktik.invalid, no
    // reply-to): MakeWorld sets each tenant's own, as a programme does before publishing.
    auto notification_env = common;
    notification_env.erase("IPRAKTIK_MATCHING_JOB_ATTEMPTS");
    notification_env.erase("IPRAKTIK_MATCHING_JOB_RETRY_DELAY");
    notification_env["IPRAKTIK_GRPC_ADDRESS"] = "127.0.0.1:0";
    notification_env["IPRAKTIK_SMTP_URL"] = smtp_->url();
    notification_env["IPRAKTIK_NOTIFICATION_SENDER_DOMAINS"] = "coi.example";
    notification_env["IPRAKTIK_NOTIFICATION_RETRY_DELAY"] = "200ms";
    // A host's decline and an intern's withdrawal through the links of their e-mails are
    // recorded at the matching service, with notification's service key.
    const ipraktik::testing::ReservedPorts matching_port;  // held until the service listens
    notification_env["IPRAKTIK_PARTICIPANT_WEB_URL"] = "https://praktik.example";
    notification_env["IPRAKTIK_MATCHING_ADDRESS"] =
        absl::StrCat("127.0.0.1:", matching_port.first());
    notification_env["IPRAKTIK_MATCHING_API_KEY"] =
        registration_->keys().Key("notification", v1::ACCESS_ROLE_SERVICE);
    notification_ = Start("ipraktik-notification", notification_env, "notification.log");
    std::smatch notification_port;
    const std::string notification_log = notification_->Output();
    ASSERT_TRUE(std::regex_search(notification_log, notification_port,
                                  std::regex("\"grpc_port\":([0-9]+)")))
        << notification_log;
    const std::string notification_address = absl::StrCat("127.0.0.1:", notification_port[1].str());
    notification_stub_ = v1::NotificationService::NewStub(
        grpc::CreateChannel(notification_address, grpc::InsecureChannelCredentials()));
    auto matching_env = common;
    // Matching reads round snapshots from registration, and the sender settings and e-mail
    // counts from notification, with a service key.
    matching_env["IPRAKTIK_REGISTRATION_API_KEY"] =
        registration_->keys().Key("matching", v1::ACCESS_ROLE_SERVICE);
    matching_env["IPRAKTIK_NOTIFICATION_ADDRESS"] = notification_address;
    matching_env["IPRAKTIK_GRPC_ADDRESS"] = absl::StrCat("127.0.0.1:", matching_port.first());
    matching_env["IPRAKTIK_REGISTRATION_ADDRESS"] =
        absl::StrCat("127.0.0.1:", registration_->port());
    // Every publication of these small rounds is then stored in several batches, by two threads
    // at once (the service's default), as a national round's is: each person told once still.
    matching_env["IPRAKTIK_MATCHING_PUBLICATION_BATCH"] = "2";
    matching_env["IPRAKTIK_MATCHING_PUBLICATION_THREADS"] = "2";
    matching_ = Start("ipraktik-matching", matching_env, "matching.log");
    std::smatch port;
    const std::string log = matching_->Output();
    ASSERT_TRUE(std::regex_search(log, port, std::regex("\"grpc_port\":([0-9]+)"))) << log;
    matching_address_ = absl::StrCat("127.0.0.1:", port[1].str());
    matching_stub_ = v1::MatchingService::NewStub(
        grpc::CreateChannel(matching_address_, grpc::InsecureChannelCredentials()));
    for (const char* name : {"w1", "w2"}) {
      auto worker_env = common;
      worker_env["IPRAKTIK_GRPC_ADDRESS"] = "127.0.0.1:0";
      worker_env["IPRAKTIK_MATCHING_WORKER_ID"] = name;
      // Long enough for a second request to find the job still running.
      worker_env["IPRAKTIK_MATCHING_WORKER_HOLD"] = "700ms";
      workers_.push_back(Start("ipraktik-matching-worker", worker_env, absl::StrCat(name, ".log")));
    }
  }

  static void TearDownTestSuite() {
    workers_.clear();
    matching_.reset();
    notification_.reset();
    tap_.reset();
    registration_.reset();
    // Registration, matching and the workers wrote only keys of the scheme.
    EXPECT_THAT(redis_->KeysOutsideTheScheme(), ::testing::IsEmpty());
    rabbit_.reset();
    redis_.reset();
    smtp_.reset();
  }

  static std::unique_ptr<ChildProcess> Start(const std::string& program,
                                             const std::map<std::string, std::string>& env,
                                             const std::string& log) {
    auto process =
        std::make_unique<ChildProcess>(ipraktik::testing::BinaryDir() / "bin" / program,
                                       std::vector<std::string>{}, env, redis_->dir() / log);
    EXPECT_TRUE(process->WaitForOutput("\"serving\"", 30s)) << process->Output();
    return process;
  }

  void SetUp() override { stub_ = registration_->NewStub(); }

  // mail_settings: the tenant sets its sender and reply-to (every test but the one about the
  // checks before publishing).
  World MakeWorld(bool mail_settings = true) {
    World world;
    world.tenant = absl::StrCat("m", ++worlds_);
    const std::string& t = world.tenant;
    v1::CreateProgrammeRequest programme;
    programme.mutable_programme()->set_name("Innovationspraktik");
    auto programme_id = MustCall(*stub_, &RegistrationStub::CreateProgramme, programme, t)
                            .programme()
                            .programme_id();
    v1::CreateRoundRequest round;
    round.mutable_round()->set_programme_id(programme_id);
    round.mutable_round()->set_name("Uge 37");
    *round.mutable_round()->mutable_signup_deadline() = DaysFromToday(20);
    *round.mutable_round()->mutable_window_start() = DaysFromToday(30);
    *round.mutable_round()->mutable_window_end() = DaysFromToday(32);
    round.mutable_round()->set_max_wishes(3);
    for (auto sector : {v1::SECTOR_MUNICIPAL, v1::SECTOR_STATE}) {
      round.mutable_round()->add_allowed_host_sectors(sector);
    }
    world.round_id = MustCall(*stub_, &RegistrationStub::CreateRound, round, t).round().round_id();

    for (const auto& [key, name] :
         std::map<std::string, std::string>{{"a", "Aarhus Kommune"},
                                            {"b", "Billund Kommune"},
                                            {"c", "Christiansø"},
                                            {"ministry", "Finansministeriet"}}) {
      v1::CreateWorkplaceRequest workplace;
      workplace.mutable_workplace()->set_name(name);
      workplace.mutable_workplace()->set_sector(key == "ministry" ? v1::SECTOR_STATE
                                                                  : v1::SECTOR_MUNICIPAL);
      workplace.mutable_workplace()->set_region("Midtjylland");
      workplace.mutable_workplace()->set_municipality("Aarhus");
      world.workplace[key] = MustCall(*stub_, &RegistrationStub::CreateWorkplace, workplace, t)
                                 .workplace()
                                 .workplace_id();
    }
    for (const auto& [key, contact] :
         std::map<std::string, std::string>{{"a", "anna"}, {"b", "bo"}, {"c", "carl"}}) {
      v1::RegisterParticipantRequest person;
      person.mutable_participant()->set_name(contact);
      person.mutable_participant()->set_email(contact + "@" + key + ".example");
      person.mutable_participant()->set_job_title("Leder");
      person.mutable_participant()->set_workplace_id(world.workplace[key]);
      person.mutable_participant()->set_consent(true);
      world.participant[contact] =
          MustCall(*stub_, &RegistrationStub::RegisterParticipant, person, t)
              .participant()
              .participant_id();
      v1::CreateHostOfferRequest offer;
      v1::HostOffer* o = offer.mutable_host_offer();
      o->set_round_id(world.round_id);
      o->set_workplace_id(world.workplace[key]);
      o->set_title("Praktik hos " + contact);
      o->set_description("Følg hverdagen og stil spørgsmål.");
      o->set_capacity(key == "c" ? 2 : 1);
      *o->add_days() = DaysFromToday(30);
      o->set_address("Rådhuspladsen 2, 8000 Aarhus");
      o->add_fields("ledelse");
      o->set_contact_participant_id(world.participant[contact]);
      auto created = MustCall(*stub_, &RegistrationStub::CreateHostOffer, offer, t).host_offer();
      v1::PublishHostOfferRequest publish;
      publish.set_host_offer_id(created.host_offer_id());
      world.offer[key] = MustCall(*stub_, &RegistrationStub::PublishHostOffer, publish, t)
                             .host_offer()
                             .host_offer_id();
    }
    Transition(world, v1::ROUND_STATE_OPEN);
    if (mail_settings) {
      v1::UpdateNotificationSettingsRequest update;
      update.mutable_settings()->set_sender_address("praktik@coi.example");
      update.mutable_settings()->set_reply_to("sekretariat@coi.example");
      v1::UpdateNotificationSettingsResponse updated;
      auto context = ContextFor(world.tenant);
      grpc::Status status =
          notification_stub_->UpdateNotificationSettings(context.get(), update, &updated);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return world;
  }

  void Transition(const World& world, v1::RoundState state) {
    v1::TransitionRoundRequest request;
    request.set_round_id(world.round_id);
    request.set_state(state);
    MustCall(*stub_, &RegistrationStub::TransitionRound, request, world.tenant);
  }

  v1::RoundState RoundState(const World& world) {
    v1::GetRoundRequest request;
    request.set_round_id(world.round_id);
    return MustCall(*stub_, &RegistrationStub::GetRound, request, world.tenant).round().state();
  }

  // Signs up name (from workplace) with wishes naming offers "a", "b", "c".
  void SignUp(World& world, const std::string& name, const std::string& workplace,
              const std::vector<std::string>& wishes, const std::string& swap_with = "") {
    v1::SignUpRequest request;
    request.set_round_id(world.round_id);
    v1::Participant* person = request.mutable_participant();
    person->set_name(name);
    person->set_email(name + "@" + workplace + ".example");
    person->set_job_title("Kontorchef");
    person->set_workplace_id(world.workplace[workplace]);
    person->set_consent(true);
    v1::Application* application = request.mutable_application();
    application->set_purpose("Lære hvordan en anden organisation leder forandring i praksis.");
    *application->add_available_days() = DaysFromToday(30);
    for (const auto& wish : wishes) application->add_wishes()->set_host_offer_id(world.offer[wish]);
    if (!swap_with.empty()) {
      application->mutable_swap_request()->set_email(swap_with);
      application->mutable_swap_request()->set_name("partner");
    }
    auto response = MustCall(*stub_, &RegistrationStub::SignUp, request, world.tenant);
    world.participant[name] = response.participant().participant_id();
  }

  template <typename Request, typename Response>
  grpc::Status Call(const World& world,
                    grpc::Status (v1::MatchingService::Stub::*method)(grpc::ClientContext*,
                                                                      const Request&, Response*),
                    const Request& request, Response* response) {
    auto context = ContextFor(world.tenant);
    return (matching_stub_.get()->*method)(context.get(), request, response);
  }

  v1::MatchingJob Request(const World& world, bool preview, bool* already_running = nullptr) {
    v1::RequestMatchingRequest request;
    request.set_round_id(world.round_id);
    request.set_preview(preview);
    v1::RequestMatchingResponse response;
    grpc::Status status =
        Call(world, &v1::MatchingService::Stub::RequestMatching, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (already_running != nullptr) *already_running = response.already_running();
    return response.job();
  }

  v1::MatchingJob Job(const World& world, const std::string& job_id) {
    v1::GetMatchingJobRequest request;
    request.set_job_id(job_id);
    v1::GetMatchingJobResponse response;
    EXPECT_TRUE(Call(world, &v1::MatchingService::Stub::GetMatchingJob, request, &response).ok());
    return response.job();
  }

  v1::MatchingJob WaitDone(const World& world, const std::string& job_id, bool published = false) {
    v1::MatchingJob job;
    EXPECT_TRUE(Eventually([&] {
      job = Job(world, job_id);
      return job.state() == v1::MATCHING_JOB_STATE_FAILED ||
             (job.state() == v1::MATCHING_JOB_STATE_DONE && (!published || job.has_published_at()));
    })) << job.DebugString();
    EXPECT_EQ(job.state(), v1::MATCHING_JOB_STATE_DONE) << job.failure_reason();
    return job;
  }

  // participant name -> host key ("a", "b", "c"), and the whole stream's parts.
  struct Result {
    std::map<std::string, std::string> placed;
    std::map<std::string, v1::MatchedPair> pairs;
    std::map<std::string, std::string> unmatched;  // name -> reason code
    std::map<std::string, v1::UnmatchedIntern> unmatched_interns;
    std::vector<v1::RefusedPin> refused;
    std::map<std::string, std::string> dropped;  // "participant id|offer id" -> reason code
    v1::MatchingSummary summary;
  };
  Result ResultOf(const World& world, const std::string& job_id) {
    std::map<std::string, std::string> name_of;
    for (const auto& [name, id] : world.participant) name_of[id] = name;
    std::map<std::string, std::string> key_of;
    for (const auto& [key, id] : world.offer) key_of[id] = key;
    v1::GetMatchingResultRequest request;
    request.set_job_id(job_id);
    auto context = ContextFor(world.tenant);
    auto reader = matching_stub_->GetMatchingResult(context.get(), request);
    Result result;
    v1::GetMatchingResultResponse part;
    while (reader->Read(&part)) {
      if (part.has_summary()) result.summary = part.summary();
      for (const auto& pair : part.assignments()) {
        result.placed[name_of[pair.participant_id()]] = key_of[pair.host_offer_id()];
        result.pairs[name_of[pair.participant_id()]] = pair;
      }
      for (const auto& u : part.unmatched()) {
        result.unmatched[name_of[u.participant_id()]] = u.reason_code();
        result.unmatched_interns[name_of[u.participant_id()]] = u;
      }
      for (const auto& r : part.refused_pins()) result.refused.push_back(r);
      for (const auto& d : part.dropped_wishes()) {
        result.dropped[d.participant_id() + "|" + d.host_offer_id()] = d.reason_code();
      }
    }
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return result;
  }

  v1::PublishMatchingResponse Publish(const World& world, const std::string& job_id) {
    v1::PublishMatchingRequest request;
    request.set_job_id(job_id);
    v1::PublishMatchingResponse response;
    grpc::Status status =
        Call(world, &v1::MatchingService::Stub::PublishMatching, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // A closed round where i1 (ministry; wishes a, c) and i3 (ministry; a) are placed, i1 at c
  // as their second wish and i3 at a, and i2 (from c; a) is not: a has one place.
  World ClosedRoundOfThree() {
    World world = MakeWorld();
    SignUp(world, "i1", "ministry", {"a", "c"});
    SignUp(world, "i2", "c", {"a"});
    SignUp(world, "i3", "ministry", {"a"});
    Transition(world, v1::ROUND_STATE_CLOSED);
    return world;
  }

  // Signs up <prefix>1..5, closes the round and has it matched and published (not a preview):
  // 1 (ministry; wishes a, c) goes to c, 3 (ministry; a) to a, 4 (ministry; b) to b, 5
  // (ministry; c) to c, and 2 (from c; a, b) nowhere. Returns the published job.
  v1::MatchingJob PublishRoundOfFive(World& world, const std::string& prefix) {
    SignUp(world, prefix + "1", "ministry", {"a", "c"});
    SignUp(world, prefix + "2", "c", {"a", "b"});
    SignUp(world, prefix + "3", "ministry", {"a"});
    SignUp(world, prefix + "4", "ministry", {"b"});
    SignUp(world, prefix + "5", "ministry", {"c"});
    Transition(world, v1::ROUND_STATE_CLOSED);
    const v1::MatchingJob job = Request(world, /*preview=*/false);
    return WaitDone(world, job.job_id(), /*published=*/true);
  }

  // Runs `ipraktik args...` as world's coordinator: its wait status and what it wrote.
  std::pair<int, std::string> Cli(const World& world, const std::vector<std::string>& args,
                                  const std::string& log) {
    const std::map<std::string, std::string> env = {
        {"IPRAKTIK_API_KEY", registration_->keys().Key(world.tenant)},
        {"IPRAKTIK_MATCHING_ADDRESS", matching_address_}};
    ChildProcess cli(ipraktik::testing::BinaryDir() / "bin" / "ipraktik", args, env,
                     redis_->dir() / log);
    auto status = cli.WaitFor(60s);
    EXPECT_TRUE(status.has_value());
    return {status.value_or(-1), cli.Output()};
  }

  v1::RoundOverview Overview(const World& world) {
    v1::GetRoundOverviewRequest request;
    request.set_round_id(world.round_id);
    v1::GetRoundOverviewResponse response;
    grpc::Status status =
        Call(world, &v1::MatchingService::Stub::GetRoundOverview, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.overview();
  }

  // Proves that nothing world's tenant wrote to the matching service's outbox so far is still on
  // its way to the tap: a preview request's job event is written behind it and relayed in order,
  // so once that event arrived, everything before it did too.
  void WaitForOutboxMarker(const World& world) {
    const std::string job_id = Request(world, /*preview=*/true).job_id();
    const auto marker = tap_->WaitFor(
        contract::kJobRequested, 1,
        [&](const events::Envelope& e) {
          v1::MatchingJobRequested requested;
          return e.tenant() == world.tenant && e.payload().UnpackTo(&requested) &&
                 requested.job_id() == job_id;
        },
        30s);
    EXPECT_EQ(marker.size(), 1u) << "the marker job's event did not arrive";
    WaitDone(world, job_id);  // no job left running behind the test
  }

  // The placement events of world's tenant that arrived so far, by type, after the result of
  // job_id was published (the last event a publication emits).
  std::map<std::string, std::vector<events::Envelope>> EventsUpTo(const World& world,
                                                                  const std::string& job_id) {
    const auto of_world = [&](const events::Envelope& e) { return e.tenant() == world.tenant; };
    auto published = tap_->WaitFor(
        "matching.result.published", 1,
        [&](const events::Envelope& e) {
          v1::MatchingResultPublished payload;
          return of_world(e) && e.payload().UnpackTo(&payload) && payload.job_id() == job_id;
        },
        30s);
    EXPECT_EQ(published.size(), 1u) << "job " << job_id << " was not published";
    std::map<std::string, std::vector<events::Envelope>> by_type;
    for (const char* type : {"matching.intern.placed", "matching.intern.unmatched",
                             "matching.host.interns_assigned", "matching.result.published"}) {
      by_type[type] = tap_->WaitFor(type, 100'000, of_world, 0ms);
    }
    return by_type;
  }

  // The personal placement links (tokens) of the e-mails of the given kind to `address`, oldest
  // first, as a mail client reads them (parse_mail.py decodes the MIME).
  // with_link_only: only the e-mails with a link of world's tenant (the hosts' addresses are
  // every world's).
  static std::vector<std::string> LinksTo(const World& world, const std::string& address,
                                          const std::string& kind, bool with_link_only = false) {
    const auto script = ipraktik::testing::SourceDir() / "tests/notification/parse_mail.py";
    const auto all = nlohmann::json::parse(ipraktik::testing::RunCommand(
        "/usr/bin/python3 " + script.string() + " " + (smtp_->dir() / "mail" / "new").string()));
    const std::regex link("https://praktik\\.example/placement/" + world.tenant +
                          "/(ipp_[0-9A-Za-z]{36})");
    std::vector<std::string> tokens;
    for (const auto& mail : all) {
      if (mail["to"].get<std::string>().find(address) == std::string::npos ||
          mail["kind"].get<std::string>() != kind) {
        continue;
      }
      const std::string text = mail["text"];
      std::smatch found;
      const bool linked = std::regex_search(text, found, link);
      if (linked || !with_link_only) tokens.push_back(linked ? found[1].str() : "");
    }
    return tokens;
  }

  // A call from a participant's page: no API key, the tenant in the header.
  static std::unique_ptr<grpc::ClientContext> ParticipantContext(const World& world) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("x-ipraktik-tenant", world.tenant);
    context->set_deadline(std::chrono::system_clock::now() + 10s);
    return context;
  }

  static inline std::unique_ptr<ipraktik::testing::RedisServer> redis_;
  static inline std::unique_ptr<ipraktik::testing::RabbitMqServer> rabbit_;
  static inline std::unique_ptr<TestClock> clock_;
  static inline std::unique_ptr<InProcessRegistration> registration_;
  static inline std::unique_ptr<EventTap> tap_;
  static inline std::unique_ptr<ipraktik::testing::SmtpServer> smtp_;
  static inline std::unique_ptr<ChildProcess> notification_;
  static inline std::unique_ptr<v1::NotificationService::Stub> notification_stub_;
  static inline std::unique_ptr<ChildProcess> matching_;
  static inline std::vector<std::unique_ptr<ChildProcess>> workers_;
  static inline std::unique_ptr<v1::MatchingService::Stub> matching_stub_;
  static inline std::string matching_address_;
  static inline int worlds_ = 0;
  std::unique_ptr<RegistrationStub> stub_;
};

// i3 can only go to a, i4 only to b: the most interns are placed when i1 takes c; i2 or i3 could
// take a, and i3 does, as that crosses sectors (i2 is municipal like the host).
TEST_F(MatchingServiceTest, APreviewSendsNothingAndPublishingItTellsEveryoneOnce) {
  World world = MakeWorld();
  SignUp(world, "i1", "ministry", {"a", "c"});
  SignUp(world, "i2", "c", {"a", "b"});
  SignUp(world, "i3", "ministry", {"a"});
  SignUp(world, "i4", "ministry", {"b"});
  Transition(world, v1::ROUND_STATE_CLOSED);

  v1::MatchingJob job = Request(world, /*preview=*/true);
  EXPECT_TRUE(job.preview());
  job = WaitDone(world, job.job_id());
  Result result = ResultOf(world, job.job_id());
  EXPECT_EQ(result.placed,
            (std::map<std::string, std::string>{{"i1", "c"}, {"i3", "a"}, {"i4", "b"}}));
  EXPECT_EQ(result.unmatched["i2"], "all_wished_hosts_full");
  EXPECT_EQ(result.summary.matched(), 3);
  EXPECT_EQ(result.summary.interns(), 4);
  EXPECT_FALSE(job.has_published_at());
  EXPECT_EQ(RoundState(world), v1::ROUND_STATE_CLOSED) << "a preview publishes nothing";

  v1::PublishMatchingResponse published = Publish(world, job.job_id());
  EXPECT_FALSE(published.already_published());
  EXPECT_EQ(published.notified(), 7);  // 4 interns, 3 hosts
  // The publication is the marker for the preview: had the preview told anyone, its events would
  // have gone through the same outbox before these.
  auto events = EventsUpTo(world, job.job_id());
  EXPECT_EQ(events["matching.intern.placed"].size(), 3u) << "a preview tells nobody";
  EXPECT_EQ(events["matching.intern.unmatched"].size(), 1u);
  EXPECT_EQ(events["matching.host.interns_assigned"].size(), 3u);

  v1::PublishMatchingResponse again = Publish(world, job.job_id());
  EXPECT_TRUE(again.already_published());
  WaitForOutboxMarker(world);
  auto after = EventsUpTo(world, job.job_id());
  EXPECT_EQ(after["matching.intern.placed"].size(), 3u) << "publishing twice publishes once";
  EXPECT_EQ(after["matching.result.published"].size(), 1u);
  EXPECT_TRUE(Eventually([&] { return RoundState(world) == v1::ROUND_STATE_PUBLISHED; }))
      << "the registration service records the publication on the round";

  v1::ListPlacementsRequest list;
  list.set_round_id(world.round_id);
  list.set_page_size(2);
  v1::ListPlacementsResponse page;
  ASSERT_TRUE(Call(world, &v1::MatchingService::Stub::ListPlacements, list, &page).ok());
  EXPECT_EQ(page.placements_size(), 2);
  EXPECT_FALSE(page.next_page_token().empty());
}

TEST_F(MatchingServiceTest, AHostDeclinesAndTheRematchTellsOnlyThePeopleItChanges) {
  World world = MakeWorld();
  const v1::MatchingJob first = PublishRoundOfFive(world, "i");
  auto before = EventsUpTo(world, first.job_id());
  ASSERT_EQ(before["matching.intern.placed"].size(), 4u);  // i1 c, i3 a, i4 b, i5 c

  // Carl at c declines i1; i1 has nowhere else to go (a is i3's).
  v1::RecordPlacementChangeRequest decline;
  decline.set_round_id(world.round_id);
  decline.set_participant_id(world.participant["i1"]);
  decline.set_kind(v1::PLACEMENT_CHANGE_KIND_HOST_DECLINED);
  v1::RecordPlacementChangeResponse declined;
  ASSERT_TRUE(
      Call(world, &v1::MatchingService::Stub::RecordPlacementChange, decline, &declined).ok());

  v1::MatchingJob second = Request(world, /*preview=*/false);
  EXPECT_TRUE(second.rematch());
  second = WaitDone(world, second.job_id(), /*published=*/true);
  Result result = ResultOf(world, second.job_id());
  EXPECT_TRUE(result.pairs["i3"].kept());
  EXPECT_TRUE(result.pairs["i5"].kept());
  EXPECT_EQ(result.summary.kept(), 3);
  // The kept placements are the re-match's pins, not coordinators'.
  EXPECT_EQ(result.summary.coordinator_pins(), 0);
  EXPECT_EQ(result.summary.pinned(), 3);
  // The decline is a decline, to the coordinator and to the intern (not "forbidden by a
  // coordinator", not "filled by other interns").
  EXPECT_EQ(result.unmatched["i1"], "host_declined");
  EXPECT_EQ(result.dropped[world.participant["i1"] + "|" + world.offer["c"]], "host_declined");
  v1::ListPairRulesRequest list_rules;
  list_rules.set_round_id(world.round_id);
  v1::ListPairRulesResponse rules;
  ASSERT_TRUE(Call(world, &v1::MatchingService::Stub::ListPairRules, list_rules, &rules).ok());
  ASSERT_EQ(rules.rules_size(), 1);
  EXPECT_TRUE(rules.rules(0).host_declined());

  auto after = EventsUpTo(world, second.job_id());
  EXPECT_EQ(after["matching.intern.placed"].size(), 4u) << "nobody is placed anew";
  const auto& unmatched = after["matching.intern.unmatched"];
  ASSERT_EQ(unmatched.size(), 2u);  // i2 after the first publication, i1 now
  v1::InternUnmatched i1;
  ASSERT_TRUE(unmatched.back().payload().UnpackTo(&i1));
  EXPECT_EQ(i1.intern().participant_id(), world.participant["i1"]);
  EXPECT_TRUE(i1.placement_cancelled());
  EXPECT_EQ(i1.reason_code(), "host_declined");
  const auto& hosts = after["matching.host.interns_assigned"];
  ASSERT_EQ(hosts.size(), 4u);  // a, b, c, then c again
  v1::HostInternsAssigned c;
  ASSERT_TRUE(hosts.back().payload().UnpackTo(&c));
  EXPECT_EQ(c.host_offer().host_offer_id(), world.offer["c"]);
  ASSERT_EQ(c.cancelled_size(), 1);
  EXPECT_EQ(c.cancelled(0).intern().participant_id(), world.participant["i1"]);
  EXPECT_EQ(c.interns_size(), 1);
  EXPECT_EQ(c.revision(), 2);
  // Once the registration service has taken up both publications, the round is published.
  ASSERT_TRUE(
      Eventually([&] { return registration_->MatchingPublicationsHandled(world.tenant) >= 2; }));
  EXPECT_EQ(RoundState(world), v1::ROUND_STATE_PUBLISHED) << "a re-match leaves it published";
}

// The same decline and a withdrawal, made by the people themselves through the personal links
// in their e-mails: the host's decline starts the same re-match path (the intern is told), the
// intern's withdrawal takes them out of the next matching (the host is told).
TEST_F(MatchingServiceTest, AHostDeclinesThroughTheLinkInItsEmailAndTheRematchTellsTheIntern) {
  World world = MakeWorld();
  PublishRoundOfFive(world, "d");  // names of this test only: their e-mail addresses are too

  // Carl (host c) has i1 and i5; his e-mail and i5's carry their links.
  std::vector<std::string> carl;
  std::vector<std::string> i5;
  ASSERT_TRUE(Eventually([&] {
    carl = LinksTo(world, "carl@c.example", "host_interns", /*with_link_only=*/true);
    i5 = LinksTo(world, "d5@ministry.example", "intern_placed");
    return carl.size() == 1 && i5.size() == 1;
  }));
  ASSERT_FALSE(carl[0].empty()) << "the host's e-mail has no placement link";
  ASSERT_FALSE(i5[0].empty()) << "the intern's e-mail has no placement link";
  v1::LookupPlacementRequest lookup;
  lookup.set_placement_token(carl[0]);
  v1::LookupPlacementResponse page;
  grpc::Status status =
      notification_stub_->LookupPlacement(ParticipantContext(world).get(), lookup, &page);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(page.role(), v1::PLACEMENT_ROLE_HOST);
  EXPECT_EQ(page.host_offer().host_offer_id(), world.offer["c"]);
  std::set<std::string> coming;
  for (const auto& intern : page.interns()) coming.insert(intern.intern().participant_id());
  EXPECT_EQ(coming, (std::set<std::string>{world.participant["d1"], world.participant["d5"]}));

  // Carl declines i1 on his page; a repeat records nothing more.
  v1::DeclinePlacementRequest decline;
  decline.set_placement_token(carl[0]);
  decline.set_participant_id(world.participant["d1"]);
  decline.set_reason("Vi har ikke en kollega, der kan tage imod på dagen.");
  v1::DeclinePlacementResponse declined;
  status =
      notification_stub_->DeclinePlacement(ParticipantContext(world).get(), decline, &declined);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(declined.already_declined());
  status =
      notification_stub_->DeclinePlacement(ParticipantContext(world).get(), decline, &declined);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(declined.already_declined());
  // Recorded as a coordinator's RecordPlacementChange records it.
  v1::ListPairRulesRequest list_rules;
  list_rules.set_round_id(world.round_id);
  v1::ListPairRulesResponse rules;
  ASSERT_TRUE(Call(world, &v1::MatchingService::Stub::ListPairRules, list_rules, &rules).ok());
  ASSERT_EQ(rules.rules_size(), 1);
  EXPECT_TRUE(rules.rules(0).host_declined());
  EXPECT_EQ(rules.rules(0).participant_id(), world.participant["d1"]);
  EXPECT_EQ(rules.rules(0).host_offer_id(), world.offer["c"]);
  EXPECT_EQ(rules.rules(0).note(), decline.reason());
  ASSERT_TRUE(
      notification_stub_->LookupPlacement(ParticipantContext(world).get(), lookup, &page).ok());
  EXPECT_THAT(page.declined_participant_ids(), ::testing::ElementsAre(world.participant["d1"]));

  // The re-match: i1 is told by e-mail that the host declined, and Carl of the cancellation.
  v1::MatchingJob second = Request(world, /*preview=*/false);
  second = WaitDone(world, second.job_id(), /*published=*/true);
  EXPECT_EQ(ResultOf(world, second.job_id()).unmatched["d1"], "host_declined");
  EXPECT_TRUE(Eventually([&] {
    return LinksTo(world, "d1@ministry.example", "intern_unmatched").size() == 1;
  })) << "the intern was not e-mailed after the re-match";
  // Carl's link shows his new list (the address is every test's: his e-mails are told apart by
  // the link, which names the tenant).
  ASSERT_TRUE(Eventually([&] {
    return notification_stub_->LookupPlacement(ParticipantContext(world).get(), lookup, &page)
               .ok() &&
           page.interns_size() == 1;
  }));
  EXPECT_EQ(page.interns(0).intern().participant_id(), world.participant["d5"]);

  // i5 withdraws through their link; a repeat is answered as done; the link is used up.
  v1::WithdrawPlacementRequest withdraw;
  withdraw.set_placement_token(i5[0]);
  withdraw.set_reason("Jeg er blevet syg.");
  v1::WithdrawPlacementResponse withdrawn;
  status =
      notification_stub_->WithdrawPlacement(ParticipantContext(world).get(), withdraw, &withdrawn);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(withdrawn.already_withdrawn());
  ASSERT_TRUE(
      notification_stub_->WithdrawPlacement(ParticipantContext(world).get(), withdraw, &withdrawn)
          .ok());
  EXPECT_TRUE(withdrawn.already_withdrawn());
  lookup.set_placement_token(i5[0]);
  status = notification_stub_->LookupPlacement(ParticipantContext(world).get(), lookup, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // The next re-match leaves i5 out, and Carl hears of it.
  v1::MatchingJob third = Request(world, /*preview=*/false);
  third = WaitDone(world, third.job_id(), /*published=*/true);
  EXPECT_EQ(ResultOf(world, third.job_id()).placed.count("d5"), 0u);
  lookup.set_placement_token(carl[0]);
  EXPECT_TRUE(Eventually([&] {
    return notification_stub_->LookupPlacement(ParticipantContext(world).get(), lookup, &page)
               .ok() &&
           page.interns_size() == 0;
  })) << "the host's page still lists the intern who withdrew";
}

// The coordinator reopens a published round for late sign-ups: the re-match places the newcomer
// and moves nobody, only the newcomer is told, and the round ends published again.
TEST_F(MatchingServiceTest, ALateSignUpAfterPublishingIsPlacedWithoutMovingAnyone) {
  World world = MakeWorld();
  SignUp(world, "i1", "ministry", {"a"});
  SignUp(world, "i2", "ministry", {"b"});
  Transition(world, v1::ROUND_STATE_CLOSED);
  v1::MatchingJob first = Request(world, /*preview=*/false);
  first = WaitDone(world, first.job_id(), /*published=*/true);
  ASSERT_TRUE(Eventually([&] { return RoundState(world) == v1::ROUND_STATE_PUBLISHED; }));

  Transition(world, v1::ROUND_STATE_OPEN);
  SignUp(world, "i3", "ministry", {"c", "a"});
  Transition(world, v1::ROUND_STATE_CLOSED);
  v1::MatchingJob second = Request(world, /*preview=*/false);
  EXPECT_TRUE(second.rematch());
  second = WaitDone(world, second.job_id(), /*published=*/true);
  Result result = ResultOf(world, second.job_id());
  EXPECT_TRUE(result.pairs["i1"].kept());
  EXPECT_TRUE(result.pairs["i2"].kept());
  EXPECT_EQ(result.placed,
            (std::map<std::string, std::string>{{"i1", "a"}, {"i2", "b"}, {"i3", "c"}}));
  auto events = EventsUpTo(world, second.job_id());
  EXPECT_EQ(events["matching.intern.placed"].size(), 3u) << "i1 and i2 once, then i3";
  EXPECT_TRUE(Eventually([&] { return RoundState(world) == v1::ROUND_STATE_PUBLISHED; }));
}

// GDPR: erasing a participant forgets the round copies of finished jobs, so a preview taken
// before the erasure can no longer be published (it holds the erased person); a new matching
// leaves them out.
TEST_F(MatchingServiceTest, AnErasureForgetsTheRoundCopiesOfFinishedPreviews) {
  World world = MakeWorld();
  SignUp(world, "i1", "ministry", {"a"});
  SignUp(world, "i2", "ministry", {"b"});
  Transition(world, v1::ROUND_STATE_CLOSED);
  v1::MatchingJob preview = Request(world, /*preview=*/true);
  preview = WaitDone(world, preview.job_id());

  v1::EraseParticipantRequest erase;
  erase.set_participant_id(world.participant["i2"]);
  MustCall(*stub_, &RegistrationStub::EraseParticipant, erase, world.tenant);
  ASSERT_TRUE(Eventually([&] {
    std::istringstream log(matching_->Output());
    for (std::string line; std::getline(log, line);) {
      if (line.find("round snapshots forgotten") != std::string::npos &&
          line.find(world.participant["i2"]) != std::string::npos) {
        return true;
      }
    }
    return false;
  })) << "the matching service took up the erasure";

  v1::PublishMatchingRequest publish;
  publish.set_job_id(preview.job_id());
  v1::PublishMatchingResponse published;
  const grpc::Status refused =
      Call(world, &v1::MatchingService::Stub::PublishMatching, publish, &published);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("no longer kept"));

  v1::MatchingJob fresh = Request(world, /*preview=*/false);
  fresh = WaitDone(world, fresh.job_id(), /*published=*/true);
  EXPECT_EQ(ResultOf(world, fresh.job_id()).placed,
            (std::map<std::string, std::string>{{"i1", "a"}}));
}

TEST_F(MatchingServiceTest, PinsAndForbidsAreHonouredAndABadPinIsRefusedWithItsReason) {
  World world = MakeWorld();
  SignUp(world, "i1", "ministry", {"a", "c"});
  SignUp(world, "i2", "c", {"a", "b"});
  SignUp(world, "i3", "ministry", {"a"});
  Transition(world, v1::ROUND_STATE_CLOSED);
  const auto rule = [&](const std::string& intern, const std::string& offer,
                        v1::PairRuleKind kind) {
    v1::SetPairRuleRequest request;
    request.mutable_rule()->set_round_id(world.round_id);
    request.mutable_rule()->set_participant_id(world.participant[intern]);
    request.mutable_rule()->set_host_offer_id(offer);
    request.mutable_rule()->set_kind(kind);
    v1::SetPairRuleResponse response;
    return Call(world, &v1::MatchingService::Stub::SetPairRule, request, &response);
  };
  ASSERT_TRUE(rule("i1", world.offer["a"], v1::PAIR_RULE_KIND_PIN).ok());
  ASSERT_TRUE(rule("i2", world.offer["b"], v1::PAIR_RULE_KIND_FORBID).ok());
  ASSERT_TRUE(rule("i3", world.offer["c"], v1::PAIR_RULE_KIND_PIN).ok());  // not wished
  grpc::Status bad = rule("i3", "", v1::PAIR_RULE_KIND_UNSPECIFIED);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(FieldErrors(bad).contains("rule.host_offer_id"));
  EXPECT_TRUE(FieldErrors(bad).contains("rule.kind"));

  v1::MatchingJob job = WaitDone(world, Request(world, true).job_id());
  Result result = ResultOf(world, job.job_id());
  EXPECT_EQ(result.placed["i1"], "a");
  EXPECT_TRUE(result.pairs["i1"].pinned());
  EXPECT_EQ(result.unmatched.count("i2"), 1u) << "a is pinned to i1 and b is forbidden";
  EXPECT_EQ(result.unmatched.count("i3"), 1u);
  ASSERT_EQ(result.refused.size(), 1u);
  EXPECT_EQ(result.refused[0].reason_code(), "not_wished");

  // The coordinator reads it in Danish, with the intern's name (the offer placed nobody, so no
  // row of the result names it: by its id).
  auto [read, output] = Cli(world, {"match", "result", job.job_id()}, "pin-refused.log");
  EXPECT_EQ(read, 0) << output;
  EXPECT_NE(output.find("fastlåsning afvist: i3 -> " + world.offer["c"] +
                        ": praktikanten har ikke ønsket denne vært"),
            std::string::npos)
      << output;
  EXPECT_EQ(output.find("refused pin " + world.participant["i3"]), std::string::npos) << output;
  EXPECT_EQ(output.find("did not wish"), std::string::npos) << output;
}

// A matching that is not a preview is published as soon as it is done, so requesting one runs
// the checks before publishing that PublishMatching runs: refused with the same list (and no
// job, no copy of the round left behind), or requested anyway with force.
TEST_F(MatchingServiceTest, ARequestToPublishWhenDoneRunsTheChecksBeforePublishingUnlessForced) {
  World world = MakeWorld(/*mail_settings=*/false);
  SignUp(world, "i1", "ministry", {"a"});
  Transition(world, v1::ROUND_STATE_CLOSED);

  v1::RequestMatchingRequest request;
  request.set_round_id(world.round_id);
  v1::RequestMatchingResponse response;
  grpc::Status refused =
      Call(world, &v1::MatchingService::Stub::RequestMatching, request, &response);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << refused.error_message();
  EXPECT_EQ(ProblemsOf(refused), (std::map<std::string, std::string>{
                                     {"SENDER_ADDRESS", "notification_settings/sender_address"},
                                     {"REPLY_TO", "notification_settings/reply_to"}}));
  v1::ListMatchingJobsRequest list;
  list.set_round_id(world.round_id);
  v1::ListMatchingJobsResponse jobs;
  ASSERT_TRUE(Call(world, &v1::MatchingService::Stub::ListMatchingJobs, list, &jobs).ok());
  EXPECT_EQ(jobs.jobs_size(), 0);
  EXPECT_EQ(ipraktik::testing::RunCommand(absl::StrCat("redis-cli -p ", redis_->port(),
                                                       " --scan --pattern 'ipraktik:{",
                                                       world.tenant, "}:matching_job_snapshot*'")),
            "")
      << "the round's copy is deleted at once";

  // A preview is not published, so it is not checked.
  EXPECT_EQ(WaitDone(world, Request(world, /*preview=*/true).job_id()).state(),
            v1::MATCHING_JOB_STATE_DONE);

  // The command line lists the problems and the ways out; --force requests it anyway, and it
  // is published when done.
  auto [code, output] =
      Cli(world, {"match", "request", "--round", world.round_id, "--wait"}, "request-refused.log");
  EXPECT_EQ(code, 3 << 8) << output;
  for (const char* expected : {"SENDER_ADDRESS", "REPLY_TO", "--preview", "--force"}) {
    EXPECT_NE(output.find(expected), std::string::npos) << expected << "\n" << output;
  }
  auto [forced, forced_output] = Cli(
      world, {"match", "request", "--round", world.round_id, "--wait", "--force"}, "forced.log");
  EXPECT_EQ(forced, 0) << forced_output;
  EXPECT_NE(forced_output.find("published"), std::string::npos) << forced_output;
}

// A pin, forbid or withdrawal must name a round, an intern and a host offer (of that round) that
// exist in the caller's tenant: anything else is NOT_FOUND and stores no rule.
TEST_F(MatchingServiceTest, PinsForbidsAndWithdrawalsOfRecordsThatDoNotExistAreNotFound) {
  World world = MakeWorld();
  World other = MakeWorld();
  SignUp(world, "i1", "ministry", {"a"});
  SignUp(other, "j1", "ministry", {"a"});
  const auto rule = [&](const std::string& round_id, const std::string& participant_id,
                        const std::string& offer_id) {
    v1::SetPairRuleRequest request;
    request.mutable_rule()->set_round_id(round_id);
    request.mutable_rule()->set_participant_id(participant_id);
    request.mutable_rule()->set_host_offer_id(offer_id);
    request.mutable_rule()->set_kind(v1::PAIR_RULE_KIND_PIN);
    v1::SetPairRuleResponse response;
    return Call(world, &v1::MatchingService::Stub::SetPairRule, request, &response);
  };
  const std::string& intern = world.participant["i1"];
  const std::string& offer = world.offer["a"];
  for (const auto& [what, status] : std::vector<std::pair<std::string, grpc::Status>>{
           {"no such round", rule("rnd-none", intern, offer)},
           {"another tenant's round", rule(other.round_id, intern, offer)},
           {"no such intern", rule(world.round_id, "par-none", offer)},
           {"another tenant's intern", rule(world.round_id, other.participant["j1"], offer)},
           {"no such offer", rule(world.round_id, intern, "off-none")},
           {"another tenant's offer", rule(world.round_id, intern, other.offer["a"])}}) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
        << what << ": " << status.error_message();
  }
  v1::ListPairRulesRequest list;
  list.set_round_id(world.round_id);
  v1::ListPairRulesResponse rules;
  ASSERT_TRUE(Call(world, &v1::MatchingService::Stub::ListPairRules, list, &rules).ok());
  EXPECT_EQ(rules.rules_size(), 0);
  EXPECT_TRUE(rule(world.round_id, intern, offer).ok());

  const auto withdraw = [&](const std::string& round_id, const std::string& participant_id) {
    v1::RecordPlacementChangeRequest request;
    request.set_round_id(round_id);
    request.set_participant_id(participant_id);
    request.set_kind(v1::PLACEMENT_CHANGE_KIND_INTERN_WITHDREW);
    v1::RecordPlacementChangeResponse response;
    return Call(world, &v1::MatchingService::Stub::RecordPlacementChange, request, &response);
  };
  EXPECT_EQ(withdraw("rnd-none", intern).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(withdraw(other.round_id, intern).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(withdraw(world.round_id, "par-none").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(withdraw(world.round_id, intern).ok());
}

TEST_F(MatchingServiceTest, TwoLeadersWhoAskedToSwapAreSwapped) {
  World world = MakeWorld();
  // anna leads a, bo leads b; each asked to intern with the other.
  SignUp(world, "anna", "a", {"c"}, "bo@b.example");
  SignUp(world, "bo", "b", {"c"}, "anna@a.example");
  SignUp(world, "i1", "ministry", {"c"});
  Transition(world, v1::ROUND_STATE_CLOSED);
  v1::MatchingJob job = WaitDone(world, Request(world, true).job_id());
  Result result = ResultOf(world, job.job_id());
  EXPECT_EQ(result.placed["anna"], "b");
  EXPECT_EQ(result.placed["bo"], "a");
  EXPECT_TRUE(result.pairs["anna"].swap());
  EXPECT_EQ(result.placed["i1"], "c");
  EXPECT_EQ(result.summary.swaps(), 1);
}

TEST_F(MatchingServiceTest, ASecondRequestWhileOneRunsGetsTheSameJob) {
  World world = MakeWorld();
  SignUp(world, "i1", "ministry", {"a"});
  Transition(world, v1::ROUND_STATE_CLOSED);
  bool first_running = true;
  v1::MatchingJob first = Request(world, true, &first_running);
  EXPECT_FALSE(first_running);
  bool second_running = false;
  v1::MatchingJob second = Request(world, true, &second_running);
  EXPECT_TRUE(second_running);
  EXPECT_EQ(second.job_id(), first.job_id());
  WaitDone(world, first.job_id());

  v1::ListMatchingJobsRequest list;
  list.set_round_id(world.round_id);
  v1::ListMatchingJobsResponse jobs;
  ASSERT_TRUE(Call(world, &v1::MatchingService::Stub::ListMatchingJobs, list, &jobs).ok());
  ASSERT_EQ(jobs.jobs_size(), 1);
  EXPECT_EQ(jobs.jobs(0).attempts(), 1) << "one result";
}

// A preview done before a newer job was published: publishing it would undo the newer one. The
// refusal says so and names both jobs.
TEST_F(MatchingServiceTest, PublishingAnOlderJobSaysANewerOneIsPublishedAndNamesBoth) {
  World world = MakeWorld();
  SignUp(world, "i1", "ministry", {"a"});
  SignUp(world, "i2", "ministry", {"b"});
  Transition(world, v1::ROUND_STATE_CLOSED);
  v1::MatchingJob older = Request(world, /*preview=*/true);
  older = WaitDone(world, older.job_id());
  v1::MatchingJob newer = Request(world, /*preview=*/false);
  newer = WaitDone(world, newer.job_id(), /*published=*/true);

  v1::PublishMatchingRequest publish;
  publish.set_job_id(older.job_id());
  v1::PublishMatchingResponse published;
  grpc::Status refused =
      Call(world, &v1::MatchingService::Stub::PublishMatching, publish, &published);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(),
              AllOf(HasSubstr("a newer matching job exists for round " + world.round_id),
                    HasSubstr("job " + older.job_id() + " (the one to publish)"),
                    HasSubstr("before job " + newer.job_id() + ", the newest")));
}

TEST_F(MatchingServiceTest, RefusesRequestsItCannotServeWithAClearError) {
  World world = MakeWorld();  // the round is open: sign-up is not over
  v1::RequestMatchingRequest request;
  request.set_round_id(world.round_id);
  v1::RequestMatchingResponse response;
  grpc::Status open = Call(world, &v1::MatchingService::Stub::RequestMatching, request, &response);
  EXPECT_EQ(open.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << open.error_message();
  // Says what is wrong and what to do, not that "only a closed round can be exported".
  EXPECT_THAT(open.error_message(),
              AllOf(HasSubstr("is open for sign-ups"), HasSubstr("closed for sign-ups"),
                    HasSubstr("close it first (TransitionRound to ROUND_STATE_CLOSED)")));

  request.set_round_id("");
  grpc::Status empty = Call(world, &v1::MatchingService::Stub::RequestMatching, request, &response);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(FieldErrors(empty).contains("round_id"));

  v1::GetRoundOverviewRequest overview;
  v1::GetRoundOverviewResponse overview_response;
  grpc::Status no_round =
      Call(world, &v1::MatchingService::Stub::GetRoundOverview, overview, &overview_response);
  EXPECT_EQ(no_round.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(FieldErrors(no_round).contains("round_id"));
  v1::CountDeliveriesRequest count;
  v1::CountDeliveriesResponse counted;
  auto context = ContextFor(world.tenant);
  grpc::Status no_count_round = notification_stub_->CountDeliveries(context.get(), count, &counted);
  EXPECT_EQ(no_count_round.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(FieldErrors(no_count_round).contains("round_id"));

  v1::GetMatchingJobRequest get;
  get.set_job_id("no-such-job");
  v1::GetMatchingJobResponse job;
  EXPECT_EQ(Call(world, &v1::MatchingService::Stub::GetMatchingJob, get, &job).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(MatchingServiceTest, ACoordinatorMatchesAndReadsTheResultWithTheCommandLine) {
  World world = ClosedRoundOfThree();
  const auto run = [&](std::vector<std::string> args, const std::string& log) {
    return Cli(world, args, log);
  };
  auto [requested, request_output] =
      run({"match", "request", "--round", world.round_id, "--preview", "--wait"}, "cli-1.log");
  EXPECT_EQ(requested, 0) << request_output;
  EXPECT_NE(request_output.find("2 of 3 interns placed"), std::string::npos) << request_output;
  std::smatch job;
  ASSERT_TRUE(std::regex_search(request_output, job, std::regex("job ([0-9a-f-]{36})")));

  auto [read, result_output] = run({"match", "result", job[1].str()}, "cli-2.log");
  EXPECT_EQ(read, 0) << result_output;
  // Who goes where, by name: i1 (Finansministeriet) to carl's offer at Christiansø (their
  // second wish), i3 to anna's in Aarhus; i2 is not placed, and why.
  for (const char* expected :
       {"placeringer:", "Navn", "Arbejdsplads", "Vært", "Tilbud", "Ønske nr.",
        "ikke placeret:", "Finansministeriet", "Christiansø", "Praktik hos carl",
        "Praktik hos anna", "Alle ønskede værter var fyldt op", "rekrutter flere her"}) {
    EXPECT_NE(result_output.find(expected), std::string::npos) << expected << "\n" << result_output;
  }
  // The reason is Danish like the rest of the table, not the matching's English words.
  EXPECT_EQ(result_output.find("all wished hosts are full"), std::string::npos) << result_output;
  // Where to recruit is said by the offer's title and workplace, not its id.
  {
    const std::size_t recruit = result_output.find("rekrutter flere her):\n");
    ASSERT_NE(recruit, std::string::npos) << result_output;
    const std::string first =
        result_output.substr(recruit + 22, result_output.find('\n', recruit + 22) - (recruit + 22));
    EXPECT_NE(first.find("Praktik hos "), std::string::npos) << first;
    EXPECT_EQ(first.find("off-"), std::string::npos) << first;
  }
  // The table is aligned: every line of the placed table has its host at the same column.
  {
    std::istringstream lines(result_output);
    std::vector<std::string> table;
    bool in_table = false;
    for (std::string line; std::getline(lines, line);) {
      if (line == "placeringer:") {
        in_table = true;
        continue;
      }
      if (in_table && line.empty()) break;
      if (in_table) table.push_back(line);
    }
    ASSERT_EQ(table.size(), 4u) << result_output;  // headings, rule, i1, i3
    const auto column = [](const std::string& line, const std::string& text) {
      // In characters, not bytes (the names hold æ, ø, å).
      const std::string before = line.substr(0, line.find(text));
      return std::count_if(before.begin(), before.end(),
                           [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
    };
    const auto host_column = column(table[0], "Vært");
    for (const std::string& row : {table[2], table[3]}) {
      const std::string host =
          row.find("Christiansø") != std::string::npos ? "Christiansø" : "Aarhus Kommune";
      EXPECT_EQ(column(row, host), host_column) << result_output;
    }
  }

  // --csv: RFC 4180 as Python's csv module reads it.
  auto [csv_read, csv_output] = run({"match", "result", job[1].str(), "--csv"}, "cli-csv.log");
  EXPECT_EQ(csv_read, 0) << csv_output;
  const auto rows = PythonCsv(redis_->dir() / "cli-csv.log");
  ASSERT_EQ(rows.size(), 4u) << csv_output;  // header and three interns
  const std::vector<std::string> header = rows[0];
  EXPECT_EQ(header.front(), "Status");
  std::map<std::string, std::map<std::string, std::string>> by_name;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), header.size());
    for (std::size_t c = 0; c < header.size(); ++c) by_name[rows[r][2]][header[c]] = rows[r][c];
  }
  EXPECT_EQ(by_name["i1"]["Status"], "placeret");
  EXPECT_EQ(by_name["i1"]["Deltager-id"], world.participant["i1"]);
  EXPECT_EQ(by_name["i1"]["Arbejdsplads"], "Finansministeriet");
  EXPECT_EQ(by_name["i1"]["Sektor"], "stat");
  EXPECT_EQ(by_name["i1"]["Vært"], "Christiansø");
  EXPECT_EQ(by_name["i1"]["Tilbud"], "Praktik hos carl");
  EXPECT_EQ(by_name["i1"]["Værtens sektor"], "kommune");
  EXPECT_EQ(by_name["i1"]["Ønske nr."], "2");
  EXPECT_FALSE(by_name["i1"]["Dage"].empty());
  EXPECT_EQ(by_name["i3"]["Vært"], "Aarhus Kommune");
  EXPECT_EQ(by_name["i3"]["Ønske nr."], "1");
  EXPECT_EQ(by_name["i2"]["Status"], "ikke placeret");
  EXPECT_EQ(by_name["i2"]["Arbejdsplads"], "Christiansø");
  EXPECT_EQ(by_name["i2"]["Vært"], "");
  EXPECT_FALSE(by_name["i2"]["Årsag"].empty());

  // --json: an array of objects keyed by the columns.
  auto [json_read, json_output] = run({"match", "result", job[1].str(), "--json"}, "cli-json.log");
  EXPECT_EQ(json_read, 0) << json_output;
  const auto json = nlohmann::json::parse(json_output, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_array()) << json_output;
  ASSERT_EQ(json.size(), 3u);
  std::map<std::string, nlohmann::json> json_by_name;
  for (const auto& row : json) json_by_name[row.value("intern_name", "")] = row;
  EXPECT_EQ(json_by_name["i1"]["host_workplace"], "Christiansø");
  EXPECT_EQ(json_by_name["i1"]["offer_title"], "Praktik hos carl");
  EXPECT_EQ(json_by_name["i1"]["wish_rank"], 2);
  EXPECT_EQ(json_by_name["i1"]["participant_id"], world.participant["i1"]);
  EXPECT_EQ(json_by_name["i2"]["status"], "ikke placeret");
  EXPECT_EQ(json_by_name["i2"]["intern_workplace"], "Christiansø");

  auto [refused, refused_output] =
      run({"match", "pin", "--round", world.round_id, "--intern", "p"}, "cli-3.log");
  EXPECT_EQ(refused, 3 << 8) << refused_output;  // the wait status of exit code 3
  EXPECT_NE(refused_output.find("rule.host_offer_id: is required"), std::string::npos)
      << refused_output;
}

// Everywhere a coordinator reads a result, people are named: the result's pairs and unplaced
// interns, and the published placements (read from the round as it is now, since publishing
// deletes the job's copy).
TEST_F(MatchingServiceTest, TheResultAndThePlacementsNameEveryone) {
  World world = ClosedRoundOfThree();
  v1::MatchingJob job = WaitDone(world, Request(world, /*preview=*/true).job_id());

  Result result = ResultOf(world, job.job_id());
  ASSERT_EQ(result.placed, (std::map<std::string, std::string>{{"i1", "c"}, {"i3", "a"}}));
  const v1::MatchedPair& i1 = result.pairs["i1"];
  EXPECT_EQ(i1.intern().name(), "i1");
  EXPECT_EQ(i1.intern().workplace_name(), "Finansministeriet");
  EXPECT_EQ(i1.intern().sector(), v1::SECTOR_STATE);
  EXPECT_EQ(i1.host().workplace_name(), "Christiansø");
  EXPECT_EQ(i1.host().title(), "Praktik hos carl");
  EXPECT_EQ(i1.host().sector(), v1::SECTOR_MUNICIPAL);
  EXPECT_EQ(i1.rank(), 2);
  EXPECT_EQ(i1.days_size(), 1);
  EXPECT_EQ(result.pairs["i3"].host().title(), "Praktik hos anna");
  ASSERT_EQ(result.unmatched_interns.count("i2"), 1u);
  EXPECT_EQ(result.unmatched_interns["i2"].intern().name(), "i2");
  EXPECT_EQ(result.unmatched_interns["i2"].intern().workplace_name(), "Christiansø");

  EXPECT_TRUE(Publish(world, job.job_id()).job().has_published_at());
  v1::ListPlacementsRequest list;
  list.set_round_id(world.round_id);
  v1::ListPlacementsResponse placements;
  ASSERT_TRUE(Call(world, &v1::MatchingService::Stub::ListPlacements, list, &placements).ok());
  std::map<std::string, v1::Placement> by_name;
  for (const auto& placement : placements.placements()) {
    by_name[placement.intern().name()] = placement;
  }
  ASSERT_EQ(by_name.size(), 3u);
  EXPECT_EQ(by_name["i1"].intern().workplace_name(), "Finansministeriet");
  EXPECT_EQ(by_name["i1"].host().workplace_name(), "Christiansø");
  EXPECT_EQ(by_name["i1"].host().title(), "Praktik hos carl");
  EXPECT_EQ(by_name["i3"].host().workplace_name(), "Aarhus Kommune");
  EXPECT_EQ(by_name["i2"].host().title(), "") << "no host for the unplaced";
  EXPECT_EQ(by_name["i2"].reason_code(), "all_wished_hosts_full");
  // Once published, the result is still read with names (from the round as it is now).
  EXPECT_EQ(ResultOf(world, job.job_id()).pairs["i1"].intern().name(), "i1");
}

// A tenant that never set its sender: publishing is refused with every problem listed (the
// From address in .invalid, no reply-to) and nobody is told; with force it is published.
TEST_F(MatchingServiceTest, PublishingIsRefusedWithWhatToFixUnlessForced) {
  World world = MakeWorld(/*mail_settings=*/false);
  SignUp(world, "i1", "ministry", {"a"});
  Transition(world, v1::ROUND_STATE_CLOSED);
  v1::MatchingJob job = WaitDone(world, Request(world, /*preview=*/true).job_id());

  v1::PublishMatchingRequest request;
  request.set_job_id(job.job_id());
  v1::PublishMatchingResponse response;
  grpc::Status refused =
      Call(world, &v1::MatchingService::Stub::PublishMatching, request, &response);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << refused.error_message();
  EXPECT_EQ(ProblemsOf(refused), (std::map<std::string, std::string>{
                                     {"SENDER_ADDRESS", "notification_settings/sender_address"},
                                     {"REPLY_TO", "notification_settings/reply_to"}}));
  EXPECT_FALSE(Job(world, job.job_id()).has_published_at());

  // The command line lists them and names the way out.
  auto [code, output] = Cli(world, {"match", "publish", job.job_id()}, "publish-refused.log");
  EXPECT_EQ(code, 3 << 8) << output;
  for (const char* expected :
       {"SENDER_ADDRESS", "ipraktik@ipraktik.invalid", "REPLY_TO", "--force"}) {
    EXPECT_NE(output.find(expected), std::string::npos) << expected << "\n" << output;
  }
  EXPECT_FALSE(Job(world, job.job_id()).has_published_at());

  auto [forced, forced_output] =
      Cli(world, {"match", "publish", job.job_id(), "--force"}, "publish-forced.log");
  EXPECT_EQ(forced, 0) << forced_output;
  EXPECT_NE(forced_output.find("published job"), std::string::npos) << forced_output;
  EXPECT_TRUE(Job(world, job.job_id()).has_published_at());
  EXPECT_EQ(EventsUpTo(world, job.job_id())["matching.intern.placed"].size(), 1u);
}

// The round overview counts what the test signed up and what was matched, the hosts with places
// left, and the e-mails the notification service sent for the round.
TEST_F(MatchingServiceTest, TheRoundOverviewCountsSignUpsPlacesAndEmails) {
  World world = ClosedRoundOfThree();
  v1::MatchingJob job = WaitDone(world, Request(world, /*preview=*/true).job_id());

  v1::RoundOverview preview = Overview(world);
  EXPECT_EQ(preview.job_id(), job.job_id());
  EXPECT_FALSE(preview.published());
  EXPECT_EQ(preview.emails_sent() + preview.emails_failed() + preview.emails_pending(), 0);

  Publish(world, job.job_id());
  // i1 and i3 placed, i2 told no place was found, anna's and carl's offers told who comes.
  v1::RoundOverview overview;
  EXPECT_TRUE(Eventually([&] {
    overview = Overview(world);
    return overview.emails_sent() + overview.emails_failed() == 5 && overview.emails_pending() == 0;
  })) << overview.DebugString();
  EXPECT_EQ(overview.emails_sent(), 5);
  EXPECT_EQ(overview.emails_failed(), 0);
  EXPECT_TRUE(overview.published());
  EXPECT_EQ(overview.round_name(), "Uge 37");
  EXPECT_EQ(overview.signed_up(), 3);
  EXPECT_EQ(overview.awaiting_approval(), 0);
  EXPECT_EQ(overview.rejected(), 0);
  EXPECT_EQ(overview.taking_part(), 3);
  EXPECT_EQ(overview.matched(), 2);
  EXPECT_EQ(overview.unmatched(), 1);
  ASSERT_EQ(overview.unmatched_reasons_size(), 1);
  EXPECT_EQ(overview.unmatched_reasons(0).reason_code(), "all_wished_hosts_full");
  EXPECT_EQ(overview.unmatched_reasons(0).reason(), "Alle ønskede værter var fyldt op");
  EXPECT_EQ(overview.unmatched_reasons(0).interns(), 1);
  EXPECT_EQ(overview.host_offers(), 3);
  // b (1 place, nobody) and c (2 places, i1).
  EXPECT_EQ(overview.host_offers_with_free_places(), 2);
  EXPECT_EQ(overview.free_places(), 2);
  std::map<std::string, std::int64_t> free;
  for (const auto& host : overview.hosts_with_free_places()) {
    free[host.host().workplace_name()] = host.free();
  }
  EXPECT_EQ(free,
            (std::map<std::string, std::int64_t>{{"Billund Kommune", 1}, {"Christiansø", 1}}));

  // The command line: a table, and CSV with the same figures.
  auto [code, text] = Cli(world, {"round", "overview", world.round_id}, "overview.log");
  EXPECT_EQ(code, 0) << text;
  for (const char* expected :
       {"Tilmeldt", "Placeret", "Ikke placeret", "Alle ønskede værter var fyldt op",
        "E-mails sendt", "værter med ledige pladser:", "Billund Kommune", "Praktik hos bo"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  auto [csv_code, csv_text] =
      Cli(world, {"round", "overview", world.round_id, "--csv"}, "overview-csv.log");
  EXPECT_EQ(csv_code, 0) << csv_text;
  std::map<std::string, std::string> figures;
  const auto rows = PythonCsv(redis_->dir() / "overview-csv.log");
  ASSERT_FALSE(rows.empty()) << csv_text;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"Nøgletal", "Hvad", "Antal"}));
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), 3u);
    figures[rows[r][0]] = rows[r][2];
  }
  EXPECT_EQ(figures["signed_up"], "3");
  EXPECT_EQ(figures["matched"], "2");
  EXPECT_EQ(figures["unmatched"], "1");
  EXPECT_EQ(figures["unmatched:all_wished_hosts_full"], "1");
  EXPECT_EQ(figures["host_offers_with_free_places"], "2");
  EXPECT_EQ(figures["emails_sent"], "5");
  EXPECT_EQ(figures["emails_failed"], "0");
}

}  // namespace
}  // namespace ipraktik::matching_service
