// The acceptance test of API keys (issue #13), generated from the services' own descriptors: for
// EVERY RPC of every service the real binaries serve, a call without a key, with a malformed, a
// revoked or an expired key, or with a key of a role the RPC does not declare is refused with the
// right status and changes nothing in Redis; a participant's RPC (no key: its token is the
// authority) with a token that is no token changes nothing either; and the Get-style RPCs answer
// NOT_FOUND for another tenant's object ids. An RPC added later is covered at once: without a
// sample request below, this test fails naming it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "api_keys.h"
#include "child_process.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "ipraktik/access/access.h"
#include "ipraktik/tokens/tokens.h"
#include "ipraktik/v1/audit.pb.h"
#include "ipraktik/v1/evaluation.pb.h"
#include "ipraktik/v1/keys.pb.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/notification.pb.h"
#include "ipraktik/v1/registration.grpc.pb.h"
#include "local_servers.h"
#include "registration_harness.h"

namespace ipraktik::access {
namespace {

using namespace std::chrono_literals;
using ipraktik::testing::ChildProcess;

ipraktik::testing::ProgramServers* const servers = ipraktik::testing::AddProgramServers();

constexpr char kOwner[] = "owner";        // whose objects exist
constexpr char kStranger[] = "stranger";  // another tenant

// The key roles (participants have none).
const std::vector<v1::AccessRole> kKeyRoles = {v1::ACCESS_ROLE_COORDINATOR, v1::ACCESS_ROLE_PARTNER,
                                               v1::ACCESS_ROLE_READER, v1::ACCESS_ROLE_OPERATOR,
                                               v1::ACCESS_ROLE_SERVICE};

// A sample request of every RPC (text format), by its full name. $PROGRAMME, $ROUND, $WORKPLACE,
// $PARTICIPANT, $OFFER and $KEY_ID are the owner tenant's objects.
const std::map<std::string, std::string>& Samples() {
  static const auto* samples = new std::map<std::string, std::string>{
      {"ipraktik.v1.RegistrationService.CreateProgramme", R"(programme { name: "P" })"},
      {"ipraktik.v1.RegistrationService.GetProgramme", R"(programme_id: "$PROGRAMME")"},
      {"ipraktik.v1.RegistrationService.ListProgrammes", ""},
      {"ipraktik.v1.RegistrationService.UpdateProgramme",
       R"(programme { programme_id: "$PROGRAMME" name: "Q" })"},
      {"ipraktik.v1.RegistrationService.CreateRound",
       R"(round { programme_id: "$PROGRAMME" name: "R" })"},
      {"ipraktik.v1.RegistrationService.GetRound", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.RegistrationService.ListRounds", ""},
      {"ipraktik.v1.RegistrationService.UpdateRound", R"(round { round_id: "$ROUND" name: "S" })"},
      {"ipraktik.v1.RegistrationService.TransitionRound",
       R"(round_id: "$ROUND" state: ROUND_STATE_CLOSED)"},
      {"ipraktik.v1.RegistrationService.CreateWorkplace", R"(workplace { name: "W" })"},
      {"ipraktik.v1.RegistrationService.GetWorkplace", R"(workplace_id: "$WORKPLACE")"},
      {"ipraktik.v1.RegistrationService.ListWorkplaces", ""},
      {"ipraktik.v1.RegistrationService.UpdateWorkplace",
       R"(workplace { workplace_id: "$WORKPLACE" name: "V" })"},
      {"ipraktik.v1.RegistrationService.RegisterParticipant",
       R"(participant { name: "N" email: "n@example.dk" })"},
      {"ipraktik.v1.RegistrationService.GetParticipant", R"(participant_id: "$PARTICIPANT")"},
      {"ipraktik.v1.RegistrationService.ListParticipants", ""},
      {"ipraktik.v1.RegistrationService.UpdateParticipant",
       R"(participant { participant_id: "$PARTICIPANT" name: "M" })"},
      {"ipraktik.v1.RegistrationService.EraseParticipant", R"(participant_id: "$PARTICIPANT")"},
      {"ipraktik.v1.RegistrationService.ApplyRetention", R"(programme_id: "$PROGRAMME")"},
      {"ipraktik.v1.RegistrationService.CreateHostOffer",
       R"(host_offer { round_id: "$ROUND" workplace_id: "$WORKPLACE" title: "T" })"},
      {"ipraktik.v1.RegistrationService.GetHostOffer", R"(host_offer_id: "$OFFER")"},
      {"ipraktik.v1.RegistrationService.ListHostOffers", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.RegistrationService.UpdateHostOffer",
       R"(host_offer { host_offer_id: "$OFFER" title: "U" })"},
      {"ipraktik.v1.RegistrationService.PublishHostOffer", R"(host_offer_id: "$OFFER")"},
      {"ipraktik.v1.RegistrationService.WithdrawHostOffer", R"(host_offer_id: "$OFFER")"},
      {"ipraktik.v1.RegistrationService.SignUp",
       R"(round_id: "$ROUND" participant { name: "N" email: "s@example.dk" })"},
      {"ipraktik.v1.RegistrationService.GetApplication", R"(application_id: "app-unknown")"},
      {"ipraktik.v1.RegistrationService.ListApplications", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.RegistrationService.UpdateApplication",
       R"(application { application_id: "app-unknown" })"},
      {"ipraktik.v1.RegistrationService.LookupApproval", R"(approval_token: "ipa_not-a-token")"},
      {"ipraktik.v1.RegistrationService.DecideApproval", R"(approval_token: "ipa_not-a-token")"},
      {"ipraktik.v1.RegistrationService.ImportSignUps", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.RegistrationService.ExportRoundSnapshot", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.KeyService.CreateApiKey", R"(role: ACCESS_ROLE_READER label: "x")"},
      {"ipraktik.v1.KeyService.ListApiKeys", ""},
      {"ipraktik.v1.KeyService.RevokeApiKey", R"(key_id: "$KEY_ID")"},
      {"ipraktik.v1.MatchingService.RequestMatching", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.MatchingService.GetMatchingJob", R"(job_id: "job-unknown")"},
      {"ipraktik.v1.MatchingService.ListMatchingJobs", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.MatchingService.GetMatchingResult", R"(job_id: "job-unknown")"},
      {"ipraktik.v1.MatchingService.PublishMatching", R"(job_id: "job-unknown")"},
      {"ipraktik.v1.MatchingService.SetPairRule",
       R"(rule { round_id: "$ROUND" participant_id: "$PARTICIPANT" host_offer_id: "$OFFER" kind: PAIR_RULE_KIND_PIN })"},
      {"ipraktik.v1.MatchingService.DeletePairRule",
       R"(round_id: "$ROUND" participant_id: "$PARTICIPANT" host_offer_id: "$OFFER")"},
      {"ipraktik.v1.MatchingService.ListPairRules", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.MatchingService.RecordPlacementChange",
       R"(round_id: "$ROUND" participant_id: "$PARTICIPANT" kind: PLACEMENT_CHANGE_KIND_INTERN_WITHDREW)"},
      {"ipraktik.v1.MatchingService.ListPlacements", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.MatchingService.GetRoundOverview", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.NotificationService.PreviewMessages", ""},
      {"ipraktik.v1.NotificationService.ListDeliveries", ""},
      {"ipraktik.v1.NotificationService.GetDelivery", R"(message_id: "message-unknown")"},
      {"ipraktik.v1.NotificationService.CountDeliveries", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.NotificationService.ResendMessage", R"(message_id: "message-unknown")"},
      {"ipraktik.v1.NotificationService.GetNotificationSettings", ""},
      {"ipraktik.v1.NotificationService.UpdateNotificationSettings", ""},
      {"ipraktik.v1.NotificationService.LookupPlacement", R"(placement_token: "ipp_not-a-token")"},
      {"ipraktik.v1.NotificationService.DeclinePlacement",
       R"(placement_token: "ipp_not-a-token" participant_id: "par-unknown" reason: "r")"},
      {"ipraktik.v1.NotificationService.WithdrawPlacement",
       R"(placement_token: "ipp_not-a-token")"},
      {"ipraktik.v1.EvaluationService.LookupEvaluation", R"(token: "ipe_not-a-token")"},
      {"ipraktik.v1.EvaluationService.SubmitEvaluation", R"(token: "ipe_not-a-token")"},
      {"ipraktik.v1.EvaluationService.SendEvaluationInvitations", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.EvaluationService.CloseEvaluation", R"(round_id: "$ROUND")"},
      {"ipraktik.v1.EvaluationService.GetEvaluationSettings", R"(programme_id: "$PROGRAMME")"},
      {"ipraktik.v1.EvaluationService.UpdateEvaluationSettings", R"(programme_id: "$PROGRAMME")"},
      {"ipraktik.v1.EvaluationService.GetEvaluationReport", R"(programme_id: "$PROGRAMME")"},
      {"ipraktik.v1.EvaluationService.GetTenantEvaluationSettings", ""},
      {"ipraktik.v1.EvaluationService.UpdateTenantEvaluationSettings",
       R"(settings { min_answers: 6 min_answers_for_text: 9 })"},
      {"ipraktik.v1.EvaluationService.GetNationalEvaluationReport", ""},
      {"ipraktik.v1.AuditService.ListAuditEntries", ""},
      {"ipraktik.v1.AuditService.ExportAuditEntries", ""},
  };
  return *samples;
}

// The RPCs that read one object by its id: another tenant's id is NOT_FOUND.
const std::set<std::string> kGetStyle = {"ipraktik.v1.RegistrationService.GetProgramme",
                                         "ipraktik.v1.RegistrationService.GetRound",
                                         "ipraktik.v1.RegistrationService.GetWorkplace",
                                         "ipraktik.v1.RegistrationService.GetParticipant",
                                         "ipraktik.v1.RegistrationService.GetHostOffer",
                                         "ipraktik.v1.KeyService.RevokeApiKey"};

// The services each binary serves.
struct Binary {
  std::string program;
  std::vector<const google::protobuf::ServiceDescriptor*> services;
};

const google::protobuf::ServiceDescriptor* ServiceOf(const google::protobuf::Descriptor* request) {
  return MethodOf(*request)->service();
}

std::vector<Binary> Binaries() {
  return {{"registration",
           {ServiceOf(v1::GetRoundRequest::descriptor()),
            ServiceOf(v1::ListApiKeysRequest::descriptor()),
            ServiceOf(v1::ListAuditEntriesRequest::descriptor())}},
          {"matching", {ServiceOf(v1::GetMatchingJobRequest::descriptor())}},
          {"notification", {ServiceOf(v1::GetDeliveryRequest::descriptor())}},
          {"evaluation", {ServiceOf(v1::GetEvaluationReportRequest::descriptor())}}};
}

// What one call sends.
struct Credentials {
  std::optional<std::string> authorization;
  std::optional<std::string> tenant;
};

// Calls method with one request message as a generic (streaming) call, whatever its shape; the
// status it ends with.
grpc::Status CallOnce(const std::shared_ptr<grpc::Channel>& channel,
                      const google::protobuf::MethodDescriptor& method, const std::string& request,
                      const Credentials& credentials) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 20s);
  if (credentials.authorization) context.AddMetadata("authorization", *credentials.authorization);
  if (credentials.tenant) context.AddMetadata("x-ipraktik-tenant", *credentials.tenant);
  grpc::CompletionQueue queue;
  const std::string path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  auto call = stub.PrepareCall(&context, path, &queue);
  void* tag = nullptr;
  bool ok = false;
  int next = 0;
  const auto step = [&] {
    ++next;
    EXPECT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(tag, reinterpret_cast<void*>(static_cast<std::intptr_t>(next)));
    return ok;
  };
  const auto tag_of = [&] { return reinterpret_cast<void*>(static_cast<std::intptr_t>(next + 1)); };
  call->StartCall(tag_of());
  if (step()) {
    grpc::Slice slice(request);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, tag_of());
    step();
    call->WritesDone(tag_of());
    step();
    grpc::ByteBuffer response;
    do call->Read(&response, tag_of());
    while (step());
  }
  grpc::Status status;
  call->Finish(&status, tag_of());
  step();
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

class AccessAcceptanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store::Options options;
    options.port = servers->redis->port();
    redis_ = new store::Pool(options);
    keys_ = new ipraktik::testing::KeyRing(*redis_);
    contexts_ = new registration::testing::KeysForContexts(*keys_);
    const std::map<std::string, std::string> common = {
        {"IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0"},
        {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0"},
        {"IPRAKTIK_REDIS_ADDRESS", servers->redis->address()},
        {"IPRAKTIK_AMQP_URL", servers->rabbit->url()},
        {"IPRAKTIK_SMTP_URL", servers->smtp->url()},
        {"IPRAKTIK_TOKEN_SECRET", ipraktik::testing::kTestTokenSecret},
        {"IPRAKTIK_REGISTRATION_API_KEY", keys_->Key("ipraktik", v1::ACCESS_ROLE_SERVICE)}};
    for (const auto& binary : Binaries()) {
      auto environment = common;
      if (binary.program == "matching") {
        environment["IPRAKTIK_REGISTRATION_ADDRESS"] = channels_.at("registration").second;
      }
      if (binary.program != "notification") environment.erase("IPRAKTIK_SMTP_URL");
      if (binary.program != "matching") {
        environment.erase("IPRAKTIK_REGISTRATION_API_KEY");
      }
      auto process = std::make_unique<ChildProcess>(
          ipraktik::testing::BinaryDir() / "bin" / ("ipraktik-" + binary.program),
          std::vector<std::string>{}, environment,
          servers->redis->dir() / ("acceptance-" + binary.program + ".log"));
      ASSERT_TRUE(process->WaitForOutput("\"msg\":\"serving\"", 60s)) << process->Output();
      std::smatch port;
      const std::string log = process->Output();
      ASSERT_TRUE(std::regex_search(log, port, std::regex("\"grpc_port\":([0-9]+)"))) << log;
      const std::string address = "127.0.0.1:" + port[1].str();
      channels_[binary.program] = {grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
                                   address};
      processes_.push_back(std::move(process));
    }
    // The owner's objects, made through the API with the owner coordinator's key.
    auto stub = v1::RegistrationService::NewStub(channels_.at("registration").first);
    auto local = registration::testing::MakeLocalRound(
        *stub, kOwner, registration::testing::DaysFromToday(30),
        registration::testing::DaysFromToday(40), registration::testing::DaysFromToday(41));
    KeyStore store(*redis_, ipraktik::testing::kTestTokenSecret);
    auto owner_reader =
        store.Create(kOwner, v1::ACCESS_ROLE_READER, "", absl::Now(), absl::Hours(1));
    ASSERT_TRUE(owner_reader.ok());
    placeholders_ = {{"$PROGRAMME", local.round.programme_id()},
                     {"$ROUND", local.round.round_id()},
                     {"$WORKPLACE", local.intern_workplace.workplace_id()},
                     {"$PARTICIPANT", local.offer.contact_participant_id()},
                     {"$OFFER", local.offer.host_offer_id()},
                     {"$KEY_ID", owner_reader->record.key_id}};
  }

  static void TearDownTestSuite() {
    processes_.clear();
    channels_.clear();
    delete contexts_;
    delete keys_;
    delete redis_;
  }

  // Every key of the tenants this test uses, with its value: what a refused call must not
  // change. (The outbox streams and leases are left out: the relays change them whenever they
  // like. So are the audit log, which records every call of an audited RPC that reached its
  // handler, refused or not, and the rate-limit buckets, which every call takes from.)
  // With keys = false, the tenants' data only (an accepted call records its key's last use).
  static std::map<std::string, std::string> State(bool with_keys = true) {
    std::map<std::string, std::string> state;
    for (const std::string pattern :
         {"ipraktik:access:*", "ipraktik:{owner}:*", "ipraktik:{stranger}:*"}) {
      if (!with_keys && pattern == "ipraktik:access:*") continue;
      auto names = redis_->Command({"KEYS", pattern});
      EXPECT_TRUE(names.ok());
      if (!names.ok()) continue;
      for (const auto& name : names->elements()) {
        if (name.str().find(":outbox") != std::string::npos) continue;
        if (name.str().ends_with(":audit")) continue;
        if (name.str().find(":ratelimit:") != std::string::npos) continue;
        auto dump = redis_->Command({"DUMP", name.str()});
        state[name.str()] = dump.ok() ? dump->str() : "?";
      }
    }
    return state;
  }

  static std::string Sample(const google::protobuf::MethodDescriptor& method) {
    auto found = Samples().find(method.full_name());
    if (found == Samples().end()) return "";
    std::unique_ptr<google::protobuf::Message> request(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(method.input_type())
            ->New());
    const std::string text = absl::StrReplaceAll(found->second, placeholders_);
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, request.get()))
        << method.full_name() << ": " << text;
    return request->SerializeAsString();
  }

  // A key of tenant and role that was revoked, or has expired.
  static std::string RevokedKey(v1::AccessRole role) {
    KeyStore store(*redis_, ipraktik::testing::kTestTokenSecret);
    auto created = store.Create(kOwner, role, "revoked", absl::Now(), absl::Hours(1));
    EXPECT_TRUE(created.ok());
    EXPECT_TRUE(store.Revoke(kOwner, created->record.key_id).ok());
    return created->key;
  }
  static std::string ExpiredKey(v1::AccessRole role) {
    KeyStore store(*redis_, ipraktik::testing::kTestTokenSecret);
    auto created =
        store.Create(kOwner, role, "expired", absl::Now() - absl::Hours(2), absl::Hours(1));
    EXPECT_TRUE(created.ok());
    return created->key;
  }

  static inline store::Pool* redis_ = nullptr;
  static inline ipraktik::testing::KeyRing* keys_ = nullptr;
  static inline registration::testing::KeysForContexts* contexts_ = nullptr;
  static inline std::vector<std::unique_ptr<ChildProcess>> processes_;
  // By program: the channel and its address.
  static inline std::map<std::string, std::pair<std::shared_ptr<grpc::Channel>, std::string>>
      channels_;
  static inline std::vector<std::pair<std::string, std::string>> placeholders_;
};

TEST_F(AccessAcceptanceTest,
       EveryRpcRefusesCallersWithoutAValidKeyOfAnAllowedRoleAndChangesNothing) {
  int rpcs = 0;
  for (const auto& binary : Binaries()) {
    const auto& channel = channels_.at(binary.program).first;
    for (const auto* service : binary.services) {
      EXPECT_TRUE(CheckDeclared(service->full_name()).ok()) << CheckDeclared(service->full_name());
      for (int m = 0; m < service->method_count(); ++m) {
        const google::protobuf::MethodDescriptor& method = *service->method(m);
        SCOPED_TRACE(method.full_name());
        ASSERT_TRUE(Samples().contains(method.full_name()))
            << "no sample request for " << method.full_name() << ": add one to Samples()";
        ++rpcs;
        const std::string request = Sample(method);
        if (ForParticipants(method)) {
          // No key needed: the token in the request is the authority, and this one is none.
          const auto before = State();
          auto status = CallOnce(channel, method, request, {std::nullopt, kOwner});
          EXPECT_FALSE(status.ok());
          EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
          EXPECT_EQ(State(), before);
          continue;
        }
        // Every refused caller, its keys made before the state is read.
        const auto roles = AllowedRoles(method);
        struct Refused {
          std::string what;
          Credentials credentials;
          grpc::StatusCode code;
        };
        std::string typo = keys_->Key(kOwner, roles.front());
        typo[8] = typo[8] == 'x' ? 'y' : 'x';
        std::vector<Refused> refused = {
            {"no key", {std::nullopt, std::nullopt}, grpc::StatusCode::UNAUTHENTICATED},
            {"no key, a tenant header", {std::nullopt, kOwner}, grpc::StatusCode::UNAUTHENTICATED},
            {"not a bearer",
             {"Basic b3duZXI6eA==", std::nullopt},
             grpc::StatusCode::UNAUTHENTICATED},
            {"malformed key", {"Bearer " + typo, std::nullopt}, grpc::StatusCode::UNAUTHENTICATED},
            {"unknown key",
             {"Bearer " + tokens::NewToken(kKeyKind).value_or(""), std::nullopt},
             grpc::StatusCode::UNAUTHENTICATED},
            {"revoked key",
             {"Bearer " + RevokedKey(roles.front()), std::nullopt},
             grpc::StatusCode::UNAUTHENTICATED},
            {"expired key",
             {"Bearer " + ExpiredKey(roles.front()), std::nullopt},
             grpc::StatusCode::UNAUTHENTICATED}};
        for (v1::AccessRole role : kKeyRoles) {
          if (std::find(roles.begin(), roles.end(), role) != roles.end()) continue;
          refused.push_back({RoleName(role) + " key",
                             {"Bearer " + keys_->Key(kOwner, role), std::nullopt},
                             grpc::StatusCode::PERMISSION_DENIED});
        }
        if (roles.front() == v1::ACCESS_ROLE_COORDINATOR) {
          refused.push_back({"a coordinator naming another tenant",
                             {"Bearer " + keys_->Key(kStranger, roles.front()), kOwner},
                             grpc::StatusCode::PERMISSION_DENIED});
        }
        const auto before = State();
        for (const auto& caller : refused) {
          auto status = CallOnce(channel, method, request, caller.credentials);
          EXPECT_EQ(status.error_code(), caller.code)
              << caller.what << ": " << status.error_message();
        }
        EXPECT_EQ(State(), before);
      }
    }
  }
  EXPECT_EQ(rpcs, static_cast<int>(Samples().size())) << "a sample names an RPC no service has";
}

TEST_F(AccessAcceptanceTest, AnotherTenantsObjectsAreNotFound) {
  for (const auto& binary : Binaries()) {
    const auto& channel = channels_.at(binary.program).first;
    for (const auto* service : binary.services) {
      for (int m = 0; m < service->method_count(); ++m) {
        const google::protobuf::MethodDescriptor& method = *service->method(m);
        if (!kGetStyle.contains(method.full_name())) continue;
        SCOPED_TRACE(method.full_name());
        const std::string stranger = keys_->Key(kStranger);
        const auto before = State(/*with_keys=*/false);
        auto status =
            CallOnce(channel, method, Sample(method), {"Bearer " + stranger, std::nullopt});
        EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
        EXPECT_EQ(State(/*with_keys=*/false), before);
        // And the owner reads it (the ids are real).
        if (method.name() == "RevokeApiKey") continue;
        auto owner = CallOnce(channel, method, Sample(method),
                              {"Bearer " + keys_->Key(kOwner), std::nullopt});
        EXPECT_TRUE(owner.ok()) << owner.error_message();
      }
    }
  }
}

}  // namespace
}  // namespace ipraktik::access
