// Erasure leaves no personal data behind (#13, #15): a round through the real service programs
// (registration, matching, a matching worker, notification, evaluation) with private Redis,
// RabbitMQ and SMTP: an intern and a host are matched, published and e-mailed; the intern is
// erased; the host gets a calendar CANCEL for the visit that names nobody; and then every Redis
// key and value, every message left in a RabbitMQ queue, every service's log and Redis's
// append-only file (after the rewrite an operator runs, docs/security.md) is searched for the
// intern's name and e-mail address, and none holds them; the erasure's audit entry is there,
// naming the intern by id only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api_keys.h"
#include "child_process.h"
#include "eventually.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/v1/matching.grpc.pb.h"
#include "local_servers.h"
#include "notification_testing.h"
#include "registration_harness.h"
#include "service_programs.h"

namespace ipraktik::testing {
namespace {

using ::ipraktik::notification::testing::MailTo;
using ::ipraktik::notification::testing::ReceivedMail;
using ::ipraktik::registration::testing::ContextFor;
using ::ipraktik::registration::testing::DaysFromToday;
using ::ipraktik::registration::testing::MustCall;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace std::chrono_literals;
using RegistrationStub = v1::RegistrationService::Stub;

ProgramServers* const servers = AddProgramServers();

constexpr char kTenant[] = "erasure";
constexpr char kInternName[] = "Ingrid Glemmesen";
constexpr char kInternEmail[] = "ingrid.glemmesen@finans.example";
constexpr char kHostEmail[] = "hanne@aarhus.example";

// What holds `needle` (without regard to case) among named texts: their names.
std::vector<std::string> Holding(const std::map<std::string, std::string>& texts,
                                 const std::string& needle) {
  std::vector<std::string> found;
  const std::string lower = absl::AsciiStrToLower(needle);
  for (const auto& [name, text] : texts) {
    if (absl::AsciiStrToLower(text).find(lower) != std::string::npos) found.push_back(name);
  }
  return found;
}

// Every key of the Redis server with its whole value (strings, hashes, sets, sorted sets, lists,
// streams), by key name: key names are searched too (the key name is part of the text).
std::map<std::string, std::string> RedisContents(const RedisServer& redis) {
  std::map<std::string, std::string> contents;
  redisContext* context = redisConnect("127.0.0.1", redis.port());
  if (context == nullptr || context->err != 0) throw std::runtime_error("cannot reach Redis");
  auto command = [&](const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (reply == nullptr) throw std::runtime_error("Redis went away");
    return std::unique_ptr<redisReply, decltype(&freeReplyObject)>(reply, freeReplyObject);
  };
  // Every string in a reply, nested arrays (stream entries) included.
  std::function<void(const redisReply&, std::string&)> flatten = [&](const redisReply& reply,
                                                                     std::string& out) {
    if (reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS) {
      out.append(reply.str, reply.len).push_back('\n');
    }
    for (std::size_t i = 0; i < reply.elements; ++i) flatten(*reply.element[i], out);
  };
  const std::map<std::string, std::vector<std::string>> dump = {{"string", {"GET"}},
                                                                {"hash", {"HGETALL"}},
                                                                {"set", {"SMEMBERS"}},
                                                                {"zset", {"ZRANGE", "0", "-1"}},
                                                                {"list", {"LRANGE", "0", "-1"}},
                                                                {"stream", {"XRANGE", "-", "+"}}};
  std::string cursor = "0";
  do {
    auto page = command({"SCAN", cursor, "COUNT", "1000"});
    cursor = std::string(page->element[0]->str, page->element[0]->len);
    for (std::size_t i = 0; i < page->element[1]->elements; ++i) {
      const redisReply& name = *page->element[1]->element[i];
      const std::string key(name.str, name.len);
      const std::string type = command({"TYPE", key})->str;
      std::string text = key + "\n";
      if (auto how = dump.find(type); how != dump.end()) {
        std::vector<std::string> args = {how->second.front(), key};
        args.insert(args.end(), how->second.begin() + 1, how->second.end());
        flatten(*command(args), text);
      } else {
        text += "(a " + type + " this test cannot read)";
      }
      contents[key] = std::move(text);
    }
  } while (cursor != "0");
  redisFree(context);
  return contents;
}

// Every message still in a RabbitMQ queue (read through the management API and left there), by
// queue; the bodies are decoded from base64, so protobuf strings are searched as they are.
std::map<std::string, std::string> QueuedMessages(const RabbitMqServer& rabbit) {
  const std::string api = absl::StrCat("http://127.0.0.1:", rabbit.management_port(), "/api");
  const std::string queues = RunCommand("curl -sf -u guest:guest " + api + "/queues/%2F");
  std::map<std::string, std::string> messages;
  const std::regex queue_entry("\"messages\":([0-9]+)[^{}]*?\"name\":\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(queues.begin(), queues.end(), queue_entry);
       it != std::sregex_iterator(); ++it) {
    if (std::stoi((*it)[1].str()) == 0) continue;
    const std::string name = (*it)[2].str();
    const std::string got = RunCommand(
        "curl -sf -u guest:guest -H 'content-type: application/json' -X POST " + api +
        "/queues/%2F/" + name +
        "/get -d '{\"count\":10000,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"base64\"}'");
    std::string text = got;
    const std::regex payload("\"payload\":\"([^\"]*)\"");
    for (auto body = std::sregex_iterator(got.begin(), got.end(), payload);
         body != std::sregex_iterator(); ++body) {
      std::string decoded;
      if (absl::Base64Unescape((*body)[1].str(), &decoded)) text += "\n" + decoded;
    }
    messages[name] = std::move(text);
  }
  return messages;
}

// Redis's append-only file as Redis would load it: the parts its manifest names (Redis 7's
// data/appendonlydir; parts a rewrite replaced are deleted in the background, so they are not
// read), by file name, as bytes.
std::map<std::string, std::string> PersistenceFiles(const RedisServer& redis) {
  auto read = [](const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << file.rdbuf();
    return bytes.str();
  };
  const std::filesystem::path dir = redis.dir() / "data" / "appendonlydir";
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".manifest") continue;
    const std::string manifest = read(entry.path());
    files[entry.path().filename().string()] = manifest;
    const std::regex part("file (\\S+) seq");
    for (auto it = std::sregex_iterator(manifest.begin(), manifest.end(), part);
         it != std::sregex_iterator(); ++it) {
      files[(*it)[1].str()] = read(dir / (*it)[1].str());
    }
  }
  if (files.size() < 2) throw std::runtime_error("no append-only file in " + dir.string());
  return files;
}

// A field of INFO persistence.
std::string PersistenceInfo(const std::string& field, store::Pool& redis) {
  auto info = redis.Command({"INFO", "persistence"});
  if (!info.ok()) return "";
  std::smatch value;
  const std::string text = info->str();
  if (!std::regex_search(text, value, std::regex(field + ":([^\r\n]*)"))) return "";
  return value[1].str();
}

class ErasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The keys the test calls with (ContextFor) and matching reads registration with.
    keys_redis_ = std::make_unique<store::Pool>(
        store::Options{.host = "127.0.0.1", .port = servers->redis->port()});
    keys_ = std::make_unique<::ipraktik::testing::KeyRing>(*keys_redis_);
    contexts_ = std::make_unique<registration::testing::KeysForContexts>(*keys_);
    programs_ = std::make_unique<ServicePrograms>(*servers->redis, *servers->rabbit,
                                                  /*users=*/false, kTestTokenSecret);
    const auto& registration = programs_->Start("registration", {});
    programs_->Start("evaluation", {});
    programs_->Start("notification",
                     {{"IPRAKTIK_SMTP_URL", servers->smtp->url()},
                      {"IPRAKTIK_NOTIFICATION_SENDER_ADDRESS", "ipraktik@coi.example"},
                      {"IPRAKTIK_NOTIFICATION_RETRY_DELAY", "200ms"}});
    const auto& matching = programs_->Start(
        "matching",
        {{"IPRAKTIK_REGISTRATION_ADDRESS", registration.address()},
         {"IPRAKTIK_REGISTRATION_API_KEY", keys_->Key("matching", v1::ACCESS_ROLE_SERVICE)}});
    programs_->Start("matching-worker", {});
    registration_stub_ = v1::RegistrationService::NewStub(
        grpc::CreateChannel(registration.address(), grpc::InsecureChannelCredentials()));
    matching_stub_ = v1::MatchingService::NewStub(
        grpc::CreateChannel(matching.address(), grpc::InsecureChannelCredentials()));
  }

  // A round with one host offer (contact: Hanne) and the intern signed up for it; closed.
  void MakeRound() {
    RegistrationStub& stub = *registration_stub_;
    v1::CreateProgrammeRequest programme;
    programme.mutable_programme()->set_name("Innovationspraktik");
    const std::string programme_id =
        MustCall(stub, &RegistrationStub::CreateProgramme, programme, kTenant)
            .programme()
            .programme_id();
    v1::CreateRoundRequest round;
    round.mutable_round()->set_programme_id(programme_id);
    round.mutable_round()->set_name("Uge 40");
    *round.mutable_round()->mutable_signup_deadline() = DaysFromToday(20);
    *round.mutable_round()->mutable_window_start() = DaysFromToday(30);
    *round.mutable_round()->mutable_window_end() = DaysFromToday(32);
    round.mutable_round()->set_max_wishes(3);
    round.mutable_round()->add_allowed_host_sectors(v1::SECTOR_MUNICIPAL);
    round_id_ = MustCall(stub, &RegistrationStub::CreateRound, round, kTenant).round().round_id();

    std::map<std::string, std::string> workplaces;
    for (const auto& [key, name] : std::map<std::string, std::string>{
             {"host", "Aarhus Kommune"}, {"intern", "Finansministeriet"}}) {
      v1::CreateWorkplaceRequest workplace;
      workplace.mutable_workplace()->set_name(name);
      workplace.mutable_workplace()->set_sector(key == "host" ? v1::SECTOR_MUNICIPAL
                                                              : v1::SECTOR_STATE);
      workplace.mutable_workplace()->set_region("Midtjylland");
      workplace.mutable_workplace()->set_municipality("Aarhus");
      workplaces[key] = MustCall(stub, &RegistrationStub::CreateWorkplace, workplace, kTenant)
                            .workplace()
                            .workplace_id();
    }
    v1::RegisterParticipantRequest contact;
    contact.mutable_participant()->set_name("Hanne Vært");
    contact.mutable_participant()->set_email(kHostEmail);
    contact.mutable_participant()->set_job_title("Leder");
    contact.mutable_participant()->set_workplace_id(workplaces["host"]);
    contact.mutable_participant()->set_consent(true);
    const std::string contact_id =
        MustCall(stub, &RegistrationStub::RegisterParticipant, contact, kTenant)
            .participant()
            .participant_id();
    v1::CreateHostOfferRequest offer;
    v1::HostOffer* o = offer.mutable_host_offer();
    o->set_round_id(round_id_);
    o->set_workplace_id(workplaces["host"]);
    o->set_title("Praktik i borgerservice");
    o->set_description("Følg hverdagen og stil spørgsmål.");
    o->set_capacity(1);
    *o->add_days() = DaysFromToday(30);
    o->set_address("Rådhuspladsen 2, 8000 Aarhus");
    o->add_fields("ledelse");
    o->set_contact_participant_id(contact_id);
    v1::PublishHostOfferRequest publish;
    publish.set_host_offer_id(MustCall(stub, &RegistrationStub::CreateHostOffer, offer, kTenant)
                                  .host_offer()
                                  .host_offer_id());
    const std::string offer_id =
        MustCall(stub, &RegistrationStub::PublishHostOffer, publish, kTenant)
            .host_offer()
            .host_offer_id();
    Transition(v1::ROUND_STATE_OPEN);

    v1::SignUpRequest signup;
    signup.set_round_id(round_id_);
    v1::Participant* person = signup.mutable_participant();
    person->set_name(kInternName);
    person->set_email(kInternEmail);
    person->set_phone("+45 12 34 56 78");
    person->set_job_title("Fuldmægtig");
    person->set_workplace_id(workplaces["intern"]);
    person->set_consent(true);
    v1::Application* application = signup.mutable_application();
    application->set_purpose("Lære hvordan en kommune leder forandring i praksis.");
    *application->add_available_days() = DaysFromToday(30);
    application->add_wishes()->set_host_offer_id(offer_id);
    intern_id_ =
        MustCall(stub, &RegistrationStub::SignUp, signup, kTenant).participant().participant_id();
    Transition(v1::ROUND_STATE_CLOSED);
  }

  void Transition(v1::RoundState state) {
    v1::TransitionRoundRequest request;
    request.set_round_id(round_id_);
    request.set_state(state);
    MustCall(*registration_stub_, &RegistrationStub::TransitionRound, request, kTenant);
  }

  // Requests a (published) matching of the round and waits until it is published.
  void MatchAndPublish() {
    v1::RequestMatchingRequest request;
    request.set_round_id(round_id_);
    request.set_force(true);  // the tenant keeps the shipped sender: publish regardless
    v1::RequestMatchingResponse requested;
    auto context = ContextFor(kTenant);
    ASSERT_TRUE(matching_stub_->RequestMatching(context.get(), request, &requested).ok());
    v1::MatchingJob job;
    ASSERT_TRUE(Eventually([&] {
      v1::GetMatchingJobRequest get;
      get.set_job_id(requested.job().job_id());
      v1::GetMatchingJobResponse response;
      auto get_context = ContextFor(kTenant);
      if (!matching_stub_->GetMatchingJob(get_context.get(), get, &response).ok()) return false;
      job = response.job();
      return job.state() == v1::MATCHING_JOB_STATE_FAILED || job.has_published_at();
    })) << job.DebugString();
    ASSERT_EQ(job.state(), v1::MATCHING_JOB_STATE_DONE) << job.failure_reason();
  }

  std::unique_ptr<store::Pool> keys_redis_;
  std::unique_ptr<::ipraktik::testing::KeyRing> keys_;
  std::unique_ptr<registration::testing::KeysForContexts> contexts_;
  std::unique_ptr<ServicePrograms> programs_;
  std::unique_ptr<RegistrationStub> registration_stub_;
  std::unique_ptr<v1::MatchingService::Stub> matching_stub_;
  std::string round_id_;
  std::string intern_id_;
};

TEST_F(ErasureTest, AnErasedInternIsNowhereAndTheirHostGetsACancellation) {
  ASSERT_NO_FATAL_FAILURE(MakeRound());
  ASSERT_NO_FATAL_FAILURE(MatchAndPublish());
  // Both were told: the intern their place, the host their intern.
  ASSERT_TRUE(Eventually([&] {
    const auto mail = ReceivedMail(*servers->smtp);
    return MailTo(mail, kInternEmail).size() == 1 && MailTo(mail, kHostEmail).size() == 1;
  }));
  // The evaluation service took the placements in too (it keeps people for its invitations).
  ASSERT_TRUE(Eventually(
      [&] { return programs_->Handled("evaluation", "matching.host.interns_assigned") == 1; }));

  // The scan below finds the intern while they are there.
  ASSERT_THAT(Holding(RedisContents(*servers->redis), kInternEmail), Not(IsEmpty()));

  v1::EraseParticipantRequest erase;
  erase.set_participant_id(intern_id_);
  MustCall(*registration_stub_, &RegistrationStub::EraseParticipant, erase, kTenant);

  // Every consumer handled the erasure, and the host's new list (the matching service's answer
  // to the erasure) reached notification and evaluation.
  for (const char* service : {"matching", "notification", "evaluation"}) {
    EXPECT_TRUE(Eventually(
        [&] { return programs_->Handled(service, "registration.participant.erased") == 1; }, 30s))
        << service;
  }
  for (const char* service : {"notification", "evaluation"}) {
    EXPECT_TRUE(Eventually(
        [&] { return programs_->Handled(service, "matching.host.interns_assigned") == 2; }, 30s))
        << service;
  }

  // The host hears that the visit is off: a cancellation with the visit's day, naming nobody.
  nlohmann::json cancellation;
  ASSERT_TRUE(Eventually([&] {
    const auto to_host = MailTo(ReceivedMail(*servers->smtp), kHostEmail);
    for (const auto& message : to_host) {
      for (const auto& calendar : message["calendars"]) {
        if (calendar["method"] == "CANCEL") cancellation = message;
      }
    }
    return !cancellation.is_null();
  })) << "no calendar CANCEL reached the host";
  const std::string dumped = cancellation.dump();
  EXPECT_THAT(dumped, Not(HasSubstr(kInternEmail)));
  EXPECT_THAT(dumped, Not(HasSubstr("Glemmesen")));
  const auto& event = cancellation["calendars"][0]["events"][0];
  EXPECT_FALSE(event["dtstart"].is_null()) << dumped;
  EXPECT_EQ(event["status"], "CANCELLED") << dumped;
  // Nothing more goes to the erased intern.
  EXPECT_EQ(MailTo(ReceivedMail(*servers->smtp), kInternEmail).size(), 1u);

  const std::map<std::string, std::string> logs = programs_->Logs();
  const auto redis = RedisContents(*servers->redis);
  const auto queued = QueuedMessages(*servers->rabbit);
  for (const std::string& needle : {std::string(kInternEmail), std::string("Glemmesen")}) {
    EXPECT_THAT(Holding(redis, needle), IsEmpty()) << "Redis keys hold " << needle;
    EXPECT_THAT(Holding(queued, needle), IsEmpty()) << "queued messages hold " << needle;
    EXPECT_THAT(Holding(logs, needle), IsEmpty()) << "logs hold " << needle;
  }
  // The scan saw the data that must stay: the host's e-mail address is still in Redis.
  EXPECT_THAT(Holding(redis, kHostEmail), Not(IsEmpty()));

  // What is left of the intern is the audit log's record of the erasure, by id.
  const std::string audit_key = absl::StrCat("ipraktik:{", kTenant, "}:audit");
  ASSERT_TRUE(redis.contains(audit_key));
  EXPECT_THAT(redis.at(audit_key), HasSubstr("/ipraktik.v1.RegistrationService/EraseParticipant"));
  EXPECT_THAT(redis.at(audit_key), HasSubstr(intern_id_));

  // On disk: the append-only file is a history of writes, so it still holds the sign-up until
  // Redis rewrites it (by itself as it grows, or when an operator runs BGREWRITEAOF after an
  // erasure: docs/security.md). Rewritten as commands (no RDB preamble, whose strings may be
  // compressed), it holds the current data only, and the intern nowhere.
  ASSERT_EQ(PersistenceInfo("aof_enabled", *keys_redis_), "1");
  EXPECT_THAT(Holding(PersistenceFiles(*servers->redis), kInternEmail), Not(IsEmpty()))
      << "the history before the rewrite";
  ASSERT_TRUE(keys_redis_->Command({"CONFIG", "SET", "aof-use-rdb-preamble", "no"}).ok());
  const std::string rewrites_before = PersistenceInfo("aof_rewrites", *keys_redis_);
  auto rewrite = keys_redis_->Command({"BGREWRITEAOF"});
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  ASSERT_TRUE(Eventually([&] {
    return PersistenceInfo("aof_rewrite_in_progress", *keys_redis_) == "0" &&
           PersistenceInfo("aof_rewrites", *keys_redis_) != rewrites_before &&
           PersistenceInfo("aof_rewrite_scheduled", *keys_redis_) == "0";
  }));
  ASSERT_EQ(PersistenceInfo("aof_last_bgrewrite_status", *keys_redis_), "ok");
  const auto files = PersistenceFiles(*servers->redis);
  for (const std::string& needle : {std::string(kInternEmail), std::string("Glemmesen")}) {
    EXPECT_THAT(Holding(files, needle), IsEmpty()) << "the append-only file holds " << needle;
  }
  EXPECT_THAT(Holding(files, kHostEmail), Not(IsEmpty())) << "the rewrite kept the data";
  EXPECT_THAT(Holding(files, intern_id_), Not(IsEmpty())) << "the audit entry, by id";
}

}  // namespace
}  // namespace ipraktik::testing
