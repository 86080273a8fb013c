// The matching job store against a real redis-server: a round has one active job, a request id
// makes a retried request return the first job, a newer claim supersedes an older one (its
// progress, parts and finish are refused), a job finishes once with one event, a failure keeps
// its reason, and one tenant never sees another's jobs.
#include "ipraktik/jobs/job_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "eventually.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "redis_test.h"

namespace ipraktik::jobs {
namespace {

using ::ipraktik::testing::RedisTest;

class JobStoreTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    outbox_ = std::make_unique<outbox::Outbox>(*redis_, "matching");
    jobs_ = std::make_unique<JobStore>(*redis_, *outbox_);
  }

  // A job of round with two snapshot parts stored first, as the matching service does.
  absl::StatusOr<CreateOutcome> CreateJob(std::string_view tenant, std::string job_id,
                                          std::string round_id, std::string request_id = "") {
    for (int i = 0; i < 2; ++i) {
      v1::ExportRoundSnapshotResponse part;
      part.add_host_offers()->set_host_offer_id(absl::StrCat("offer-", i));
      if (absl::Status s = jobs_->AppendSnapshotPart(tenant, job_id, part); !s.ok()) return s;
    }
    NewJob job{.job_id = job_id, .request_id = std::move(request_id), .correlation_id = "c-1"};
    job.input.set_job_id(job_id);
    job.input.set_round_id(round_id);
    job.input.set_snapshot_parts(2);
    job.input.set_snapshot_revision(7);
    return jobs_->Create(tenant, job);
  }

  // The envelopes of the given type in tenant's outbox stream.
  std::vector<events::Envelope> OutboxEvents(std::string_view tenant, std::string_view type) {
    auto entries = redis_->Command(
        {"XRANGE", outbox::StreamKey(*store::TenantKeys::For(tenant), outbox_->publisher()), "-",
         "+"});
    std::vector<events::Envelope> found;
    for (const store::Reply& entry : entries->elements()) {
      const auto& fields = entry.elements()[1].elements();
      for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str() != "envelope") continue;
        auto envelope = events::ParseEnvelope(fields[i + 1].str());
        if (envelope.ok() && envelope->type() == type) found.push_back(*envelope);
      }
    }
    return found;
  }

  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<JobStore> jobs_;
};

TEST_F(JobStoreTest, CreatesAQueuedJobWithItsRequestEvent) {
  auto created = CreateJob("aarhus", "job-1", "round-1");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->existing);
  EXPECT_EQ(created->job.state, v1::MATCHING_JOB_STATE_QUEUED);
  EXPECT_EQ(created->job.round_id, "round-1");
  EXPECT_EQ(created->job.snapshot_parts, 2);
  EXPECT_EQ(created->job.snapshot_revision, 7);

  auto requested = OutboxEvents("aarhus", contract::kJobRequested);
  ASSERT_EQ(requested.size(), 1u);
  v1::MatchingJobRequested payload;
  ASSERT_TRUE(requested[0].payload().UnpackTo(&payload));
  EXPECT_EQ(payload.job_id(), "job-1");
  EXPECT_EQ(requested[0].correlation_id(), "c-1");

  auto part = jobs_->SnapshotPart("aarhus", "job-1", 1);
  ASSERT_TRUE(part.ok()) << part.status();
  EXPECT_EQ(part->host_offers(0).host_offer_id(), "offer-1");
  auto input = jobs_->Input("aarhus", "job-1");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->round_id(), "round-1");
  // The snapshot of a created job is kept for the retention (30 days), not the orphans' day.
  auto ttl = redis_->Command(
      {"TTL", store::TenantKeys::For("aarhus")->Key("matching_job_snapshot", "job-1")});
  EXPECT_GT(ttl->integer(), 29 * 24 * 3600);
  EXPECT_LE(ttl->integer(), 30 * 24 * 3600);
}

TEST_F(JobStoreTest, ASecondRequestWhileOneIsActiveGetsThatJob) {
  ASSERT_TRUE(CreateJob("aarhus", "job-1", "round-1").ok());
  EXPECT_EQ((*jobs_->ActiveJob("aarhus", "round-1"))->job_id, "job-1");
  auto second = CreateJob("aarhus", "job-2", "round-1");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->existing);
  EXPECT_EQ(second->job.job_id, "job-1");
  EXPECT_EQ(OutboxEvents("aarhus", contract::kJobRequested).size(), 1u);
  EXPECT_FALSE(jobs_->SnapshotPart("aarhus", "job-2", 0).ok()) << "the unused snapshot is gone";
  EXPECT_TRUE(absl::IsNotFound(jobs_->Get("aarhus", "job-2").status()));

  // Another round is independent; once the first job finished, the round takes a new one.
  EXPECT_FALSE(CreateJob("aarhus", "job-3", "round-2")->existing);
  auto claim = jobs_->Claim("aarhus", "job-1", "w1");
  ASSERT_TRUE(claim.ok());
  ASSERT_TRUE(jobs_->Finish("aarhus", "job-1", claim->fence, {}).ok());
  EXPECT_FALSE(jobs_->ActiveJob("aarhus", "round-1")->has_value());
  auto later = CreateJob("aarhus", "job-4", "round-1");
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(later->existing);
  EXPECT_EQ(later->job.job_id, "job-4");
}

TEST_F(JobStoreTest, ARepeatedRequestIdReturnsTheFirstJob) {
  ASSERT_TRUE(CreateJob("aarhus", "job-1", "round-1", "req-9").ok());
  auto claim = jobs_->Claim("aarhus", "job-1", "w1");
  ASSERT_TRUE(jobs_->Finish("aarhus", "job-1", claim->fence, {}).ok());
  auto retried = CreateJob("aarhus", "job-2", "round-1", "req-9");
  ASSERT_TRUE(retried.ok());
  EXPECT_TRUE(retried->existing);
  EXPECT_EQ(retried->job.job_id, "job-1");
}

TEST_F(JobStoreTest, ANewerClaimSupersedesTheOlderOne) {
  ASSERT_TRUE(CreateJob("aarhus", "job-1", "round-1").ok());
  auto first = jobs_->Claim("aarhus", "job-1", "w1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->already_finished);
  EXPECT_EQ(first->job.state, v1::MATCHING_JOB_STATE_RUNNING);
  v1::GetMatchingResultResponse part;
  part.add_assignments()->set_participant_id("p-stale");
  ASSERT_TRUE(jobs_->AppendResultPart("aarhus", "job-1", first->fence, part).ok());

  // w1 is presumed dead: the message went to w2.
  auto second = jobs_->Claim("aarhus", "job-1", "w2");
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->fence, first->fence);
  EXPECT_EQ(second->job.attempts, 2);

  EXPECT_TRUE(IsSuperseded(jobs_->ReportProgress("aarhus", "job-1", first->fence, "solve", 0.5)));
  EXPECT_TRUE(IsSuperseded(jobs_->AppendResultPart("aarhus", "job-1", first->fence, part)));
  EXPECT_TRUE(IsSuperseded(jobs_->Finish("aarhus", "job-1", first->fence, {})));

  ASSERT_TRUE(jobs_->ReportProgress("aarhus", "job-1", second->fence, "solve", 0.5).ok());
  EXPECT_EQ(jobs_->Get("aarhus", "job-1")->phase, "solve");
  part.mutable_assignments(0)->set_participant_id("p-1");
  ASSERT_TRUE(jobs_->AppendResultPart("aarhus", "job-1", second->fence, part).ok());
  ASSERT_TRUE(jobs_->AppendResultPart("aarhus", "job-1", second->fence, part).ok());
  v1::MatchingSummary summary;
  summary.set_matched(1);
  ASSERT_TRUE(jobs_->Finish("aarhus", "job-1", second->fence, summary).ok());

  auto done = jobs_->Get("aarhus", "job-1");
  EXPECT_EQ(done->state, v1::MATCHING_JOB_STATE_DONE);
  EXPECT_EQ(done->result_parts, 2);
  EXPECT_EQ(done->summary.matched(), 1);
  EXPECT_EQ(jobs_->ResultPart("aarhus", "job-1", 0)->assignments(0).participant_id(), "p-1");
  // The superseded claim's parts were removed.
  auto stale =
      redis_->Command({"EXISTS", store::TenantKeys::For("aarhus")->Key(
                                     "matching_job_result", absl::StrCat("job-1:", first->fence))});
  EXPECT_EQ(stale->integer(), 0);
}

// Claims decided on the same record at once: the compare-and-set lets one write and makes the
// others decide again, so every claim gets a fence of its own and the newest one holds the job.
TEST_F(JobStoreTest, ClaimsAtOnceEachGetAFenceOfTheirOwn) {
  ASSERT_TRUE(CreateJob("aarhus", "job-1", "round-1").ok());
  constexpr int kWorkers = 6;
  std::vector<std::int64_t> fences(kWorkers);
  {
    std::vector<std::jthread> workers;
    for (int i = 0; i < kWorkers; ++i) {
      workers.emplace_back([&, i] {
        auto claim = jobs_->Claim("aarhus", "job-1", absl::StrCat("w", i));
        fences[i] = claim.ok() ? claim->fence : -1;
      });
    }
  }
  std::set<std::int64_t> distinct(fences.begin(), fences.end());
  EXPECT_EQ(distinct, (std::set<std::int64_t>{1, 2, 3, 4, 5, 6}));
  auto job = jobs_->Get("aarhus", "job-1");
  EXPECT_EQ(job->fence, kWorkers);
  EXPECT_EQ(job->attempts, kWorkers);
  for (std::int64_t fence : distinct) {  // oldest first: a finish after DONE is a duplicate
    absl::Status finished = jobs_->Finish("aarhus", "job-1", fence, {});
    EXPECT_EQ(finished.ok(), fence == kWorkers) << fence << ": " << finished;
  }
  EXPECT_EQ(OutboxEvents("aarhus", contract::kJobFinished).size(), 1u);
}

TEST_F(JobStoreTest, AJobFinishesOnceWithOneEvent) {
  ASSERT_TRUE(CreateJob("aarhus", "job-1", "round-1").ok());
  auto claim = jobs_->Claim("aarhus", "job-1", "w1");
  v1::MatchingSummary summary;
  summary.set_matched(3);
  ASSERT_TRUE(jobs_->Finish("aarhus", "job-1", claim->fence, summary).ok());
  ASSERT_TRUE(jobs_->Finish("aarhus", "job-1", claim->fence, summary).ok()) << "a duplicate";

  auto finished = OutboxEvents("aarhus", contract::kJobFinished);
  ASSERT_EQ(finished.size(), 1u);
  v1::MatchingJobFinished payload;
  ASSERT_TRUE(finished[0].payload().UnpackTo(&payload));
  EXPECT_EQ(payload.state(), v1::MATCHING_JOB_STATE_DONE);
  EXPECT_EQ(payload.summary().matched(), 3);

  // A redelivered message finds the job finished and does nothing.
  auto again = jobs_->Claim("aarhus", "job-1", "w2");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_finished);
  EXPECT_EQ(jobs_->Get("aarhus", "job-1")->attempts, 1);

  EXPECT_FALSE(jobs_->PublishedJob("aarhus", "round-1")->has_value());
  v1::MatchingResultPublished result;
  result.set_job_id("job-1");
  auto event =
      events::BuildEnvelope({.type = "matching.result.published", .tenant = "aarhus"}, result);
  ASSERT_TRUE(event.ok());
  auto published = jobs_->MarkPublished("aarhus", "job-1", {&*event, 1});
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_TRUE(*published);
  EXPECT_FALSE(*jobs_->MarkPublished("aarhus", "job-1", {&*event, 1}));
  EXPECT_EQ(OutboxEvents("aarhus", "matching.result.published").size(), 1u) << "once";
  EXPECT_TRUE(jobs_->Get("aarhus", "job-1")->ToProto().has_published_at());
  auto round_published = jobs_->PublishedJob("aarhus", "round-1");
  ASSERT_TRUE(round_published.ok() && round_published->has_value());
  EXPECT_EQ((*round_published)->job_id, "job-1");
}

// A snapshot holds the round's personal data (names, e-mail addresses, purposes); it is kept
// while its job may still be published and no longer.
TEST_F(JobStoreTest, PublishingDropsTheSnapshotsNothingNeedsAnyMore) {
  auto finish = [&](const std::string& job_id) {
    auto claim = jobs_->Claim("aarhus", job_id, "w1");
    ASSERT_TRUE(claim.ok()) << claim.status();
    ASSERT_TRUE(jobs_->Finish("aarhus", job_id, claim->fence, v1::MatchingSummary()).ok());
  };
  ASSERT_TRUE(CreateJob("aarhus", "preview-1", "round-1").ok());
  finish("preview-1");
  ASSERT_TRUE(CreateJob("aarhus", "job-2", "round-1").ok());
  finish("job-2");
  ASSERT_TRUE(CreateJob("aarhus", "job-3", "round-1").ok());  // queued, not yet run
  ASSERT_TRUE(CreateJob("aarhus", "other-round", "round-2").ok());
  finish("other-round");
  EXPECT_TRUE(jobs_->SnapshotPart("aarhus", "job-2", 0).ok()) << "needed to publish job-2";

  ASSERT_TRUE(jobs_->MarkPublished("aarhus", "job-2").ok());
  EXPECT_FALSE(jobs_->SnapshotPart("aarhus", "job-2", 0).ok()) << "published";
  EXPECT_FALSE(jobs_->SnapshotPart("aarhus", "preview-1", 0).ok()) << "can never be published";
  EXPECT_TRUE(jobs_->SnapshotPart("aarhus", "job-3", 1).ok()) << "its job has yet to run";
  EXPECT_TRUE(jobs_->SnapshotPart("aarhus", "other-round", 0).ok()) << "another round's";
}

TEST_F(JobStoreTest, ASnapshotNothingDeletesExpiresAfterTheRetention) {
  jobs_ = std::make_unique<JobStore>(*redis_, *outbox_,
                                     JobStoreOptions{.snapshot_retention = absl::Seconds(1)});
  ASSERT_TRUE(CreateJob("aarhus", "preview-1", "round-1").ok());
  EXPECT_TRUE(jobs_->SnapshotPart("aarhus", "preview-1", 0).ok());
  EXPECT_TRUE(ipraktik::testing::Eventually([&] {
    return absl::IsNotFound(jobs_->SnapshotPart("aarhus", "preview-1", 0).status());
  })) << "Redis expires the snapshot after its retention";
  EXPECT_EQ(jobs_->Get("aarhus", "preview-1")->state, v1::MATCHING_JOB_STATE_QUEUED)
      << "the job record itself stays";
}

TEST_F(JobStoreTest, AnErasureForgetsTheSnapshotsNoRunningJobNeeds) {
  ASSERT_TRUE(CreateJob("aarhus", "preview-1", "round-1").ok());
  auto claim = jobs_->Claim("aarhus", "preview-1", "w1");
  ASSERT_TRUE(jobs_->Finish("aarhus", "preview-1", claim->fence, v1::MatchingSummary()).ok());
  ASSERT_TRUE(CreateJob("aarhus", "job-2", "round-1").ok());  // queued
  ASSERT_TRUE(CreateJob("aarhus", "other", "round-2").ok());
  auto forgotten = jobs_->ForgetSnapshots("aarhus", "round-1");
  ASSERT_TRUE(forgotten.ok()) << forgotten.status();
  EXPECT_EQ(*forgotten, 1);
  EXPECT_TRUE(absl::IsNotFound(jobs_->SnapshotPart("aarhus", "preview-1", 0).status()));
  EXPECT_TRUE(jobs_->SnapshotPart("aarhus", "job-2", 0).ok()) << "its job has yet to run";
  EXPECT_TRUE(jobs_->SnapshotPart("aarhus", "other", 0).ok()) << "another round's";
  EXPECT_EQ(*jobs_->ForgetSnapshots("aarhus", "round-1"), 0) << "again: nothing left";
}

TEST_F(JobStoreTest, AFailedJobKeepsItsReason) {
  ASSERT_TRUE(CreateJob("aarhus", "job-1", "round-1").ok());
  auto claim = jobs_->Claim("aarhus", "job-1", "w1");
  ASSERT_TRUE(jobs_->Fail("aarhus", "job-1", claim->fence, "snapshot part 1 is not readable").ok());
  auto failed = jobs_->Get("aarhus", "job-1");
  EXPECT_EQ(failed->state, v1::MATCHING_JOB_STATE_FAILED);
  EXPECT_EQ(failed->failure_reason, "snapshot part 1 is not readable");
  EXPECT_TRUE(absl::IsFailedPrecondition(jobs_->MarkPublished("aarhus", "job-1").status()));
  EXPECT_FALSE(jobs_->ResultPart("aarhus", "job-1", 0).ok());
  EXPECT_FALSE(jobs_->SnapshotPart("aarhus", "job-1", 0).ok()) << "its personal data is gone";
  auto finished = OutboxEvents("aarhus", contract::kJobFinished);
  ASSERT_EQ(finished.size(), 1u);
  // The round is free for a new job.
  EXPECT_FALSE(CreateJob("aarhus", "job-2", "round-1")->existing);
}

TEST_F(JobStoreTest, ListsARoundsJobsNewestFirstInPages) {
  for (int i = 1; i <= 5; ++i) {
    const std::string id = absl::StrCat("job-", i);
    ASSERT_TRUE(CreateJob("aarhus", id, "round-1").ok());
    auto claim = jobs_->Claim("aarhus", id, "w1");
    ASSERT_TRUE(jobs_->Finish("aarhus", id, claim->fence, {}).ok());
    absl::SleepFor(absl::Milliseconds(2));  // distinct request times
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = jobs_->List("aarhus", "round-1", 2, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const JobRecord& job : page->jobs) seen.push_back(job.job_id);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"job-5", "job-4", "job-3", "job-2", "job-1"}));
  EXPECT_EQ(pages, 3);
  EXPECT_TRUE(absl::IsInvalidArgument(jobs_->List("aarhus", "round-1", 2, "x").status()));
}

TEST_F(JobStoreTest, ATenantNeverSeesAnothersJobs) {
  ASSERT_TRUE(CreateJob("aarhus", "job-1", "round-1").ok());
  EXPECT_TRUE(absl::IsNotFound(jobs_->Get("odense", "job-1").status()));
  EXPECT_TRUE(absl::IsNotFound(jobs_->Claim("odense", "job-1", "w1").status()));
  EXPECT_TRUE(jobs_->List("odense", "round-1", 10, "")->jobs.empty());
  EXPECT_FALSE(CreateJob("odense", "job-2", "round-1")->existing);
}

}  // namespace
}  // namespace ipraktik::jobs
