// The audit log through the registration service, as a coordinator sees it: reading a person and
// erasing them are recorded by the call shell from the RPCs' declarations (with the key id, the
// method, the participant's id, the peer and the correlation id), a refused read is recorded
// with its outcome and never as a success, AuditService lists and exports the entries (the CSV
// parses), nothing in the log names the person (after the erasure only their id remains), a
// snapshot export stream is one entry with how it ended, an import is one entry with its round
// and counts, and `ipraktik keys create|revoke|bootstrap` are each on record with the key's id.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "csv_rows.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using Stub = v1::RegistrationService::Stub;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kTenant[] = "skive";
constexpr char kName[] = "Simon Spies";
constexpr char kEmail[] = "simon.spies@skive.dk";

class AuditTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_server_ = std::make_unique<ipraktik::testing::RedisServer>();
  }
  static void TearDownTestSuite() { redis_server_.reset(); }

  void SetUp() override {
    service_ = std::make_unique<InProcessRegistration>(
        *redis_server_, "", clock_,
        InProcessRegistration::Options{.handlers = {}, .with_bus = false, .deadlines = {}});
    ASSERT_TRUE(service_->redis().Command({"FLUSHALL"}).ok());
    stub_ = service_->NewStub();
    audit_ = service_->NewAuditStub();
  }

  std::string RegisterSimon() {
    v1::CreateWorkplaceRequest workplace;
    workplace.mutable_workplace()->set_name("Skive Rådhus");
    workplace.mutable_workplace()->set_sector(v1::SECTOR_MUNICIPAL);
    workplace.mutable_workplace()->set_region("Midtjylland");
    workplace.mutable_workplace()->set_municipality("Skive");
    auto workplace_id =
        MustCall(*stub_, &Stub::CreateWorkplace, workplace, kTenant).workplace().workplace_id();
    v1::RegisterParticipantRequest simon;
    simon.mutable_participant()->set_name(kName);
    simon.mutable_participant()->set_email(kEmail);
    simon.mutable_participant()->set_job_title("Fuldmægtig");
    simon.mutable_participant()->set_workplace_id(workplace_id);
    simon.mutable_participant()->set_consent(true);
    return MustCall(*stub_, &Stub::RegisterParticipant, simon, kTenant)
        .participant()
        .participant_id();
  }

  grpc::Status GetParticipant(const std::string& id, const std::string& correlation_id) {
    v1::GetParticipantRequest request;
    request.set_participant_id(id);
    v1::GetParticipantResponse response;
    auto context = ContextFor(kTenant, correlation_id);
    return stub_->GetParticipant(context.get(), request, &response);
  }

  grpc::Status Erase(const std::string& id, const std::string& correlation_id) {
    v1::EraseParticipantRequest request;
    request.set_participant_id(id);
    v1::EraseParticipantResponse response;
    auto context = ContextFor(kTenant, correlation_id);
    return stub_->EraseParticipant(context.get(), request, &response);
  }

  v1::ListAuditEntriesResponse List(const v1::ListAuditEntriesRequest& request) {
    v1::ListAuditEntriesResponse response;
    auto context = ContextFor(kTenant);
    auto status = audit_->ListAuditEntries(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static inline std::unique_ptr<ipraktik::testing::RedisServer> redis_server_;
  TestClock clock_{absl::Now()};
  std::unique_ptr<InProcessRegistration> service_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

TEST_F(AuditTest, AReadAndAnErasureAreOnRecordWithIdsOnly) {
  std::string simon = RegisterSimon();
  ASSERT_TRUE(GetParticipant(simon, "read-simon").ok());
  ASSERT_TRUE(Erase(simon, "erase-simon").ok());
  // After the erasure the person is gone: a refused read is recorded as what it was.
  EXPECT_EQ(GetParticipant(simon, "read-again").error_code(), grpc::StatusCode::NOT_FOUND);

  auto listed = List({});
  ASSERT_EQ(listed.entries_size(), 3);
  EXPECT_TRUE(listed.next_page_token().empty());
  const v1::AuditEntry& again = listed.entries(0);
  const v1::AuditEntry& erase = listed.entries(1);
  const v1::AuditEntry& read = listed.entries(2);

  EXPECT_EQ(read.kind(), v1::AUDIT_KIND_PERSONAL_READ);
  EXPECT_EQ(read.method(), "/ipraktik.v1.RegistrationService/GetParticipant");
  EXPECT_EQ(read.correlation_id(), "read-simon");
  EXPECT_THAT(read.peer(), StartsWith("ipv4:127.0.0.1:"));
  EXPECT_EQ(read.outcome(), "OK");
  ASSERT_EQ(read.object_ids_size(), 1);
  EXPECT_EQ(read.object_ids(0).field(), "participant_id");
  EXPECT_EQ(read.object_ids(0).id(), simon);
  EXPECT_GT(read.time().seconds(), 0);

  EXPECT_EQ(erase.kind(), v1::AUDIT_KIND_PRIVILEGED);
  EXPECT_EQ(erase.method(), "/ipraktik.v1.RegistrationService/EraseParticipant");
  EXPECT_EQ(erase.correlation_id(), "erase-simon");
  EXPECT_EQ(erase.outcome(), "OK");
  EXPECT_EQ(erase.object_ids(0).id(), simon);

  EXPECT_EQ(again.correlation_id(), "read-again");
  EXPECT_EQ(again.outcome(), "NOT_FOUND");

  // Filters.
  v1::ListAuditEntriesRequest privileged;
  privileged.mutable_filter()->set_kind(v1::AUDIT_KIND_PRIVILEGED);
  auto only_erase = List(privileged);
  ASSERT_EQ(only_erase.entries_size(), 1);
  EXPECT_EQ(only_erase.entries(0).correlation_id(), "erase-simon");
  v1::ListAuditEntriesRequest by_person;
  by_person.mutable_filter()->set_object_id(simon);
  by_person.set_page_size(2);
  auto first_page = List(by_person);
  EXPECT_EQ(first_page.entries_size(), 2);
  EXPECT_FALSE(first_page.next_page_token().empty());

  // Nothing in the log, as Redis holds it, names the person.
  auto raw = service_->redis().Command({"XRANGE", "ipraktik:{skive}:audit", "-", "+"});
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(raw->DebugString(),
              AllOf(Not(HasSubstr("Simon")), Not(HasSubstr("Spies")), Not(HasSubstr("@"))));
}

TEST_F(AuditTest, TheExportIsCsvThatParses) {
  std::string simon = RegisterSimon();
  ASSERT_TRUE(GetParticipant(simon, "read-1").ok());
  ASSERT_TRUE(GetParticipant(simon, "read-2").ok());

  v1::ExportAuditEntriesResponse exported;
  auto context = ContextFor(kTenant);
  auto status = audit_->ExportAuditEntries(context.get(), {}, &exported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(exported.entry_count(), 2);
  EXPECT_TRUE(exported.next_page_token().empty());
  auto parsed = ipraktik::testing::CsvRows(exported.csv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const auto& rows = *parsed;
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][8], "correlation_id");
  EXPECT_EQ(rows[1][8], "read-2");
  EXPECT_EQ(rows[2][8], "read-1");
  EXPECT_EQ(rows[1][3], "/ipraktik.v1.RegistrationService/GetParticipant");
  EXPECT_EQ(rows[1][6], "participant_id=" + simon);
}

TEST_F(AuditTest, ASnapshotExportIsOnRecordOnceWithItsOutcome) {
  auto local =
      MakeLocalRound(*stub_, kTenant, DaysFromToday(30), DaysFromToday(40), DaysFromToday(45));
  v1::TransitionRoundRequest close;  // MakeLocalRound opened it
  close.set_round_id(local.round.round_id());
  close.set_state(v1::ROUND_STATE_CLOSED);
  MustCall(*stub_, &Stub::TransitionRound, close, kTenant);
  v1::ExportRoundSnapshotRequest request;
  request.set_round_id(local.round.round_id());
  auto context = ContextFor(kTenant, "export-1");
  auto reader = stub_->ExportRoundSnapshot(context.get(), request);
  v1::ExportRoundSnapshotResponse message;
  int messages = 0;
  while (reader->Read(&message)) ++messages;
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_GE(messages, 2);  // a header and a trailer at least

  v1::ListAuditEntriesRequest exports;
  exports.mutable_filter()->set_method("/ipraktik.v1.RegistrationService/ExportRoundSnapshot");
  auto listed = List(exports);
  ASSERT_EQ(listed.entries_size(), 1);  // one entry for the whole stream
  EXPECT_EQ(listed.entries(0).kind(), v1::AUDIT_KIND_PERSONAL_READ);
  EXPECT_EQ(listed.entries(0).correlation_id(), "export-1");
  EXPECT_EQ(listed.entries(0).outcome(), "OK");
  ASSERT_EQ(listed.entries(0).object_ids_size(), 1);
  EXPECT_EQ(listed.entries(0).object_ids(0).field(), "round_id");
  EXPECT_EQ(listed.entries(0).object_ids(0).id(), local.round.round_id());
}

TEST_F(AuditTest, AnImportIsOneEntryWithItsRoundAndCountsAndNoRowsData) {
  auto local =
      MakeLocalRound(*stub_, kTenant, DaysFromToday(30), DaysFromToday(40), DaysFromToday(45));
  auto context = ContextFor(kTenant, "import-1");
  v1::ImportSignUpsResponse summary;
  auto writer = stub_->ImportSignUps(context.get(), &summary);
  v1::ImportSignUpsRequest message;
  message.set_round_id(local.round.round_id());
  for (int line = 2; line <= 3; ++line) {
    v1::ImportRow* row = message.add_rows();
    row->set_line(line);
    v1::Participant* person = row->mutable_participant();
    person->set_name(kName);
    person->set_email(line == 2 ? kEmail : "simon.spies-at-skive.dk");  // line 3 is refused
    person->set_job_title("Fuldmægtig");
    person->set_workplace_id(local.intern_workplace.workplace_id());
    person->set_consent(true);
    v1::Application* application = row->mutable_application();
    application->set_purpose("Se hvordan de kommunale rammer virker i praksis hos en kommune.");
    *application->mutable_available_days() = local.offer.days();
    application->add_wishes()->set_host_offer_id(local.offer.host_offer_id());
  }
  ASSERT_TRUE(writer->Write(message));
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(summary.rows_received(), 2);
  ASSERT_EQ(summary.rows_failed(), 1);

  v1::ListAuditEntriesRequest imports;
  imports.mutable_filter()->set_method("/ipraktik.v1.RegistrationService/ImportSignUps");
  auto listed = List(imports);
  ASSERT_EQ(listed.entries_size(), 1);  // one entry for the whole import
  const v1::AuditEntry& entry = listed.entries(0);
  EXPECT_EQ(entry.kind(), v1::AUDIT_KIND_PRIVILEGED);
  EXPECT_EQ(entry.correlation_id(), "import-1");
  EXPECT_EQ(entry.outcome(), "OK");
  EXPECT_FALSE(entry.key_id().empty());
  ASSERT_EQ(entry.object_ids_size(), 1);  // the round, never a row's ids
  EXPECT_EQ(entry.object_ids(0).field(), "round_id");
  EXPECT_EQ(entry.object_ids(0).id(), local.round.round_id());
  std::map<std::string, std::int64_t> counts;
  for (const auto& count : entry.counts()) counts[count.name()] = count.value();
  EXPECT_EQ(counts, (std::map<std::string, std::int64_t>{
                        {"rows_received", 2},
                        {"applications_created", summary.applications_created()},
                        {"applications_updated", summary.applications_updated()},
                        {"rows_failed", 1}}));

  // The CSV export carries the counts too.
  v1::ExportAuditEntriesRequest export_request;
  *export_request.mutable_filter() = imports.filter();
  v1::ExportAuditEntriesResponse exported;
  auto export_context = ContextFor(kTenant);
  ASSERT_TRUE(audit_->ExportAuditEntries(export_context.get(), export_request, &exported).ok());
  auto rows = ipraktik::testing::CsvRows(exported.csv());
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0][10], "counts");
  EXPECT_EQ(
      (*rows)[1][10],
      absl::StrCat("rows_received=2;applications_created=", summary.applications_created(),
                   ";applications_updated=", summary.applications_updated(), ";rows_failed=1"));

  auto raw = service_->redis().Command({"XRANGE", "ipraktik:{skive}:audit", "-", "+"});
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(raw->DebugString(),
              AllOf(Not(HasSubstr("Simon")), Not(HasSubstr("Spies")), Not(HasSubstr("@"))));
}

TEST_F(AuditTest, TheKeysCommandsAreOnRecordByKeyId) {
  // `ipraktik keys create` and `revoke` call KeyService (recorded by the call shell);
  // `bootstrap` writes Redis itself and records itself.
  const cli::Command keys = cli::KeysCommand();
  auto run = [&](std::vector<std::string> args, const config::Environment& environment,
                 std::string& out, std::string& err) {
    std::vector<std::string_view> views(args.begin(), args.end());
    std::ostringstream out_stream, err_stream;
    cli::CommandIo io{.out = out_stream, .err = err_stream, .environment = environment};
    int code = keys.run(views, io);
    out = out_stream.str();
    err = err_stream.str();
    return code;
  };
  const config::Environment caller({{"IPRAKTIK_API_KEY", service_->keys().Key(kTenant)}});
  const std::string server = absl::StrCat("127.0.0.1:", service_->port());
  std::string out, err;
  ASSERT_EQ(run({"create", "--server", server, "--role", "partner", "--label", "import"}, caller,
                out, err),
            0)
      << err;
  const std::string created_id = err.substr(0, err.find(' '));  // "key-... skive partner ..."
  ASSERT_THAT(created_id, StartsWith("key-"));
  ASSERT_EQ(run({"revoke", "--server", server, created_id}, caller, out, err), 0) << err;

  const config::Environment operator_host(
      {{"IPRAKTIK_REDIS_ADDRESS", absl::StrCat("127.0.0.1:", redis_server_->port())},
       {"IPRAKTIK_TOKEN_SECRET", ipraktik::testing::kTestTokenSecret}});
  ASSERT_EQ(
      run({"bootstrap", "--tenant", kTenant, "--role", "coordinator"}, operator_host, out, err), 0)
      << err;
  const std::string bootstrapped_id = err.substr(0, err.find(' '));
  ASSERT_THAT(bootstrapped_id, StartsWith("key-"));
  EXPECT_THAT(out, StartsWith("ipk_"));

  v1::ListAuditEntriesRequest privileged;
  privileged.mutable_filter()->set_kind(v1::AUDIT_KIND_PRIVILEGED);
  auto listed = List(privileged);
  ASSERT_EQ(listed.entries_size(), 3);
  const v1::AuditEntry& bootstrap = listed.entries(0);
  const v1::AuditEntry& revoke = listed.entries(1);
  const v1::AuditEntry& create = listed.entries(2);
  EXPECT_EQ(create.method(), "/ipraktik.v1.KeyService/CreateApiKey");
  EXPECT_EQ(create.outcome(), "OK");
  EXPECT_EQ(create.role(), "ACCESS_ROLE_COORDINATOR");
  ASSERT_EQ(create.object_ids_size(), 1);  // the new key's, from the response
  EXPECT_EQ(create.object_ids(0).field(), "api_key.key_id");
  EXPECT_EQ(create.object_ids(0).id(), created_id);
  EXPECT_EQ(revoke.method(), "/ipraktik.v1.KeyService/RevokeApiKey");
  EXPECT_EQ(revoke.outcome(), "OK");
  ASSERT_EQ(revoke.object_ids_size(), 1);
  EXPECT_EQ(revoke.object_ids(0).id(), created_id);
  EXPECT_EQ(bootstrap.method(), "ipraktik keys bootstrap");
  EXPECT_EQ(bootstrap.outcome(), "OK");
  EXPECT_EQ(bootstrap.peer(), "local");
  ASSERT_EQ(bootstrap.object_ids_size(), 1);
  EXPECT_EQ(bootstrap.object_ids(0).field(), "key_id");
  EXPECT_EQ(bootstrap.object_ids(0).id(), bootstrapped_id);

  // Keys never reach the log: only their ids.
  auto raw = service_->redis().Command({"XRANGE", "ipraktik:{skive}:audit", "-", "+"});
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(raw->DebugString(), Not(HasSubstr("ipk_")));
}

TEST_F(AuditTest, ABadFilterIsNamed) {
  v1::ListAuditEntriesRequest request;
  request.mutable_filter()->mutable_since()->set_seconds(2'000'000'000);
  request.mutable_filter()->mutable_until()->set_seconds(1'000'000'000);
  v1::ListAuditEntriesResponse response;
  auto context = ContextFor(kTenant);
  auto status = audit_->ListAuditEntries(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(FieldErrors(status).contains("filter.until"));

  // A page size out of range is refused by the call shell's one paging rule, before the filter.
  v1::ListAuditEntriesRequest paged;
  paged.set_page_size(-1);
  auto paged_context = ContextFor(kTenant);
  auto paged_status = audit_->ListAuditEntries(paged_context.get(), paged, &response);
  EXPECT_EQ(paged_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(FieldErrors(paged_status).contains("page_size"));
}

}  // namespace
}  // namespace ipraktik::registration::testing
