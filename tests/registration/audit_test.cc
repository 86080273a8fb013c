// The audit log through the registration service, as a coordinator sees it: reading a person and
// erasing them are recorded by the call shell from the RPCs' declarations (with the key id, the
// method, the participant's id, the peer and the correlation id), a refused read is recorded
// with its outcome and never as a success, AuditService lists and exports the entries (the CSV
// parses), nothing in the log names the person (after the erasure only their id remains), and a
// snapshot export stream is one entry with how it ended.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
