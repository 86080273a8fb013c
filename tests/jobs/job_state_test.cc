// The matching job's state machine (job_state.h), every state against every event: a claim takes
// a queued or running job with a new fence, a finish is accepted only under the newest fence and
// once, a publication only of a DONE job and once. The store only applies what these decide.
#include "ipraktik/jobs/job_state.h"

#include <gtest/gtest.h>

#include "ipraktik/jobs/job_store.h"

namespace ipraktik::jobs {
namespace {

using Outcome = JobDecision::Outcome;

constexpr v1::MatchingJobState kStates[] = {
    v1::MATCHING_JOB_STATE_QUEUED, v1::MATCHING_JOB_STATE_RUNNING, v1::MATCHING_JOB_STATE_DONE,
    v1::MATCHING_JOB_STATE_FAILED};

bool Finished(v1::MatchingJobState state) {
  return state == v1::MATCHING_JOB_STATE_DONE || state == v1::MATCHING_JOB_STATE_FAILED;
}

JobStatus Job(v1::MatchingJobState state, bool published = false) {
  return {.state = state, .fence = 3, .attempts = 3, .published = published};
}

TEST(JobStateTest, NoJobRefusesEveryEventAsNotFound) {
  const JobStatus none;
  for (const JobEvent& event :
       {JobEvent{ClaimJob{}}, JobEvent{FinishJob{.fence = 1}}, JobEvent{PublishJob{}}}) {
    EXPECT_TRUE(absl::IsNotFound(DecideJob(none, event).refusal));
  }
}

TEST(JobStateTest, AClaimTakesAQueuedOrRunningJobWithANewFence) {
  for (v1::MatchingJobState state : kStates) {
    SCOPED_TRACE(v1::MatchingJobState_Name(state));
    JobDecision decision = DecideJob(Job(state), ClaimJob{});
    if (Finished(state)) {
      EXPECT_EQ(decision.outcome, Outcome::kUnchanged);
      continue;
    }
    ASSERT_EQ(decision.outcome, Outcome::kApply);
    EXPECT_EQ(decision.next.state, v1::MATCHING_JOB_STATE_RUNNING);
    EXPECT_EQ(decision.next.fence, 4);
    EXPECT_EQ(decision.next.attempts, 4);
  }
}

TEST(JobStateTest, AFinishIsAcceptedUnderTheNewestFenceOnly) {
  for (v1::MatchingJobState outcome :
       {v1::MATCHING_JOB_STATE_DONE, v1::MATCHING_JOB_STATE_FAILED}) {
    for (v1::MatchingJobState state : kStates) {
      for (std::int64_t fence : {2, 3, 4}) {
        SCOPED_TRACE(::testing::Message() << v1::MatchingJobState_Name(state) << " fence " << fence
                                          << " as " << v1::MatchingJobState_Name(outcome));
        JobDecision decision = DecideJob(Job(state), FinishJob{.fence = fence, .outcome = outcome});
        if (state == outcome) {
          EXPECT_EQ(decision.outcome, Outcome::kUnchanged);  // the same finish again
        } else if (state == v1::MATCHING_JOB_STATE_RUNNING && fence == 3) {
          ASSERT_EQ(decision.outcome, Outcome::kApply);
          EXPECT_EQ(decision.next.state, outcome);
          EXPECT_EQ(decision.next.fence, 3);
        } else {
          EXPECT_TRUE(IsSuperseded(decision.refusal)) << decision.refusal;
        }
      }
    }
  }
}

TEST(JobStateTest, AJobFinishesOnlyAsDoneOrFailed) {
  for (v1::MatchingJobState outcome :
       {v1::MATCHING_JOB_STATE_QUEUED, v1::MATCHING_JOB_STATE_RUNNING}) {
    EXPECT_TRUE(absl::IsInvalidArgument(
        DecideJob(Job(v1::MATCHING_JOB_STATE_RUNNING), FinishJob{.fence = 3, .outcome = outcome})
            .refusal));
  }
}

TEST(JobStateTest, OnlyADoneJobIsPublishedAndOnce) {
  for (v1::MatchingJobState state : kStates) {
    for (bool published : {false, true}) {
      SCOPED_TRACE(::testing::Message() << v1::MatchingJobState_Name(state) << " " << published);
      JobDecision decision = DecideJob(Job(state, published), PublishJob{});
      if (state != v1::MATCHING_JOB_STATE_DONE) {
        EXPECT_TRUE(absl::IsFailedPrecondition(decision.refusal));
        EXPECT_FALSE(IsSuperseded(decision.refusal));
      } else if (published) {
        EXPECT_EQ(decision.outcome, Outcome::kUnchanged);
      } else {
        ASSERT_EQ(decision.outcome, Outcome::kApply);
        EXPECT_TRUE(decision.next.published);
        EXPECT_EQ(decision.next.state, v1::MATCHING_JOB_STATE_DONE);
      }
    }
  }
}

TEST(JobStateTest, ARepeatedRequestGetsItsJobAnActiveRoundItsActiveJobOtherwiseANewJob) {
  EXPECT_TRUE(DecideCreate({}).create);
  // The request id was seen: its job, whatever the round's active job is.
  CreateDecision repeated = DecideCreate({.requested_job = "job-1",
                                          .active_job = "job-2",
                                          .active_state = v1::MATCHING_JOB_STATE_RUNNING});
  EXPECT_FALSE(repeated.create);
  EXPECT_EQ(repeated.existing_job, "job-1");
  for (auto state : {v1::MATCHING_JOB_STATE_QUEUED, v1::MATCHING_JOB_STATE_RUNNING}) {
    CreateDecision busy = DecideCreate({.active_job = "job-2", .active_state = state});
    EXPECT_FALSE(busy.create) << state;
    EXPECT_EQ(busy.existing_job, "job-2");
  }
  // A finished (or vanished) active job leaves room for a new one.
  for (auto state : {v1::MATCHING_JOB_STATE_DONE, v1::MATCHING_JOB_STATE_FAILED,
                     v1::MATCHING_JOB_STATE_UNSPECIFIED}) {
    EXPECT_TRUE(DecideCreate({.active_job = "job-2", .active_state = state}).create) << state;
  }
}

}  // namespace
}  // namespace ipraktik::jobs
