// The audit log library: which RPCs are declared for it and which request fields it keeps (ids
// only, an address in an id field withheld), and against a private Redis, entries appended and
// read back newest first with filters and pages that together hold every entry once, and the CSV
// export read back by the CSV reader the CLI imports with.
#include "ipraktik/audit/audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "csv_rows.h"
#include "ipraktik/audit/declaration.h"
#include "probe.pb.h"
#include "redis_test.h"

namespace ipraktik::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(DeclarationTest, TheMethodAndKindComeFromTheRequestsRpc) {
  auto read = DeclarationOf(*test::ReadPersonRequest::descriptor());
  EXPECT_EQ(read.method, "/ipraktik.test.GuardedService/ReadPerson");
  EXPECT_EQ(read.kind, v1::AUDIT_KIND_PERSONAL_READ);
  EXPECT_EQ(DeclarationOf(*test::ErasePersonRequest::descriptor()).kind, v1::AUDIT_KIND_PRIVILEGED);
  auto ping = DeclarationOf(*test::PingRequest::descriptor());
  EXPECT_EQ(ping.method, "/ipraktik.test.GuardedService/Ping");
  EXPECT_FALSE(ping.audited());
  EXPECT_FALSE(DeclarationOf(*test::Contact::descriptor()).audited());  // no RPC takes it
}

TEST(ObjectIdsTest, IdsAtAnyDepthAndNothingElse) {
  test::ReadPersonRequest request;
  request.set_participant_id("p-17");
  request.set_name("Karen Blixen");
  request.set_email("karen@example.dk");
  request.mutable_contact()->set_workplace_id("w-3");
  request.mutable_contact()->set_email("karen@example.dk");
  request.mutable_contact()->set_manager_id("boss@example.dk");
  EXPECT_THAT(ObjectIdsOf(request),
              ElementsAre(Pair("participant_id", "p-17"), Pair("contact.workplace_id", "w-3"),
                          Pair("contact.manager_id", "(withheld)")));
  request.set_participant_id(std::string(1000, 'x'));
  EXPECT_EQ(ObjectIdsOf(request).front().second.size(), kMaxIdLength);
  EXPECT_THAT(ObjectIdsOf(test::PingRequest()), IsEmpty());
}

class AuditLogTest : public testing::RedisTest {
 protected:
  Entry Sample(int i) {
    return {.kind = i % 2 == 0 ? "privileged" : "personal_read",
            .method = i % 2 == 0 ? "/s.S/Erase" : "/s.S/Read",
            .key_id = "k-" + std::to_string(i % 3),
            .role = "coordinator",
            .object_ids = {{"participant_id", "p-" + std::to_string(i)}, {"round_id", "r-1"}},
            .peer = "ipv4:127.0.0.1:5000" + std::to_string(i),
            .correlation_id = "c-" + std::to_string(i),
            .outcome = "OK"};
  }

  void AppendSamples(int count) {
    for (int i = 0; i < count; ++i) ASSERT_TRUE(log_->Append("holstebro", Sample(i)).ok());
  }

  std::vector<std::string> CorrelationIds(const Query& query) {
    auto page = log_->List("holstebro", query);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const auto& entry : page->entries) ids.push_back(entry.correlation_id);
    }
    return ids;
  }

  void SetUp() override {
    RedisTest::SetUp();
    log_ = std::make_unique<Log>(*redis_);
  }

  std::unique_ptr<Log> log_;
};

TEST_F(AuditLogTest, EntriesComeBackNewestFirstAsWritten) {
  AppendSamples(3);
  auto page = log_->List("holstebro", {});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->entries.size(), 3u);
  EXPECT_TRUE(page->next_page_token.empty());
  const Entry& newest = page->entries[0];
  EXPECT_EQ(newest.correlation_id, "c-2");
  EXPECT_EQ(newest.kind, "privileged");
  EXPECT_EQ(newest.method, "/s.S/Erase");
  EXPECT_EQ(newest.key_id, "k-2");
  EXPECT_EQ(newest.role, "coordinator");
  EXPECT_EQ(newest.peer, "ipv4:127.0.0.1:50002");
  EXPECT_EQ(newest.outcome, "OK");
  EXPECT_THAT(newest.object_ids,
              ElementsAre(Pair("participant_id", "p-2"), Pair("round_id", "r-1")));
  EXPECT_LE(absl::Now() - newest.time, absl::Minutes(1));
  // Another tenant's log is its own.
  auto other = log_->List("aarhus", {});
  ASSERT_TRUE(other.ok());
  EXPECT_THAT(other->entries, IsEmpty());
}

TEST_F(AuditLogTest, ABulkActionsCountsComeBackInOrder) {
  Entry import = Sample(0);
  import.method = "/s.S/Import";
  import.counts = {{"rows_received", 1200}, { "rows_failed", 3 }};
  ASSERT_TRUE(log_->Append("holstebro", import).ok());
  auto page = log_->List("holstebro", {});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_THAT(page->entries[0].counts,
              ElementsAre(Pair("rows_received", 1200), Pair("rows_failed", 3)));
  EXPECT_THAT(page->entries[0].object_ids,
              ElementsAre(Pair("participant_id", "p-0"), Pair("round_id", "r-1")));
  auto rows = ipraktik::testing::CsvRows(ToCsv(page->entries));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[1][10], "rows_received=1200;rows_failed=3");
}

TEST_F(AuditLogTest, Filters) {
  AppendSamples(6);
  EXPECT_THAT(CorrelationIds({.kind = "personal_read"}), ElementsAre("c-5", "c-3", "c-1"));
  EXPECT_THAT(CorrelationIds({.method = "/s.S/Erase"}), ElementsAre("c-4", "c-2", "c-0"));
  EXPECT_THAT(CorrelationIds({.key_id = "k-1"}), ElementsAre("c-4", "c-1"));
  EXPECT_THAT(CorrelationIds({.object_id = "p-3"}), ElementsAre("c-3"));
  EXPECT_THAT(CorrelationIds({.since = absl::Now() + absl::Hours(1)}), IsEmpty());
  EXPECT_THAT(CorrelationIds({.until = absl::Now() - absl::Hours(1)}), IsEmpty());
  EXPECT_EQ(
      CorrelationIds({.since = absl::Now() - absl::Hours(1), .until = absl::Now() + absl::Hours(1)})
          .size(),
      6u);
}

TEST_F(AuditLogTest, PagesHoldEveryEntryOnce) {
  AppendSamples(7);
  std::vector<std::string> seen;
  Query query{.page_size = 3};
  int pages = 0;
  do {
    auto page = log_->List("holstebro", query);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& entry : page->entries) seen.push_back(entry.correlation_id);
    query.page_token = page->next_page_token;
    ++pages;
  } while (!query.page_token.empty() && pages < 10);
  EXPECT_THAT(seen, ElementsAre("c-6", "c-5", "c-4", "c-3", "c-2", "c-1", "c-0"));
  // A filtered listing pages the same way.
  auto first = log_->List("holstebro", {.kind = "privileged", .page_size = 2});
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token.empty());
  auto second = log_->List(
      "holstebro", {.kind = "privileged", .page_size = 2, .page_token = first->next_page_token});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->entries.size(), 2u);
  EXPECT_EQ(second->entries[0].correlation_id, "c-2");
  EXPECT_EQ(second->entries[1].correlation_id, "c-0");
}

TEST_F(AuditLogTest, AForgedPageTokenIsRefused) {
  auto page = log_->List("holstebro", {.page_token = "+ - COUNT"});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditLogTest, TheCsvExportParses) {
  AppendSamples(2);
  auto page = log_->List("holstebro", {});
  ASSERT_TRUE(page.ok());
  page->entries[0].correlation_id = "with, a comma and \"quotes\"";
  // What a spreadsheet would run as a formula stays text.
  page->entries[1].correlation_id = "=HYPERLINK(\"https://evil.example\")";
  auto parsed = ipraktik::testing::CsvRows(ToCsv(page->entries));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const auto& rows = *parsed;
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0], ElementsAre("id", "time", "kind", "method", "key_id", "role", "object_ids",
                                   "peer", "correlation_id", "outcome", "counts"));
  EXPECT_EQ(rows[1][10], "");  // no counts: not a bulk action
  EXPECT_EQ(rows[1][0], page->entries[0].id);
  EXPECT_EQ(rows[1][2], "personal_read");
  EXPECT_EQ(rows[1][6], "participant_id=p-1;round_id=r-1");
  EXPECT_EQ(rows[1][8], "with, a comma and \"quotes\"");
  EXPECT_EQ(rows[2][8], "'=HYPERLINK(\"https://evil.example\")");
  absl::Time time;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, rows[2][1], &time, &error)) << error;
  EXPECT_EQ(absl::ToUnixMillis(time), absl::ToUnixMillis(page->entries[1].time));
}

}  // namespace
}  // namespace ipraktik::audit
