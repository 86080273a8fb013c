// The life of a message record (domain/delivery_state.h), every state against every event: what
// a claim, a hand-over, a finish and a resend do, and what they refuse. The repository only
// applies what these decide.
#include "domain/delivery_state.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ipraktik::notification {
namespace {

using Outcome = DeliveryDecision::Outcome;

constexpr DeliveryState kAll[] = {DeliveryState::kPending,    DeliveryState::kSending,
                                  DeliveryState::kHandedOver, DeliveryState::kRetrying,
                                  DeliveryState::kSent,       DeliveryState::kFailed,
                                  DeliveryState::kUnconfirmed};

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const absl::Duration kLease = absl::Seconds(30);

bool BeingSent(DeliveryState state) {
  return state == DeliveryState::kSending || state == DeliveryState::kHandedOver;
}

// A record in `state`; a record being sent is held by `owner` until kNow + lease_left.
DeliveryStatus Record(DeliveryState state, const std::string& owner = "other",
                      absl::Duration lease_left = absl::Seconds(10)) {
  DeliveryStatus status{.state = state, .attempts = 2, .resends = 1};
  if (BeingSent(state)) {
    status.lease_owner = owner;
    status.lease_until = kNow + lease_left;
  }
  return status;
}

ClaimEvent ClaimBy(const std::string& owner) {
  return {.owner = owner, .now = kNow, .lease = kLease};
}

// A claim by "me" that may send: the record is written sending, held by "me" for the lease.
void ExpectClaimedByMe(const DeliveryDecision& decision, bool create, int attempts, int resends) {
  ASSERT_EQ(decision.outcome, Outcome::kApply);
  EXPECT_EQ(decision.change.create, create);
  EXPECT_TRUE(decision.may_send);
  EXPECT_EQ(decision.resend, resends);
  EXPECT_EQ(decision.change.next.state, DeliveryState::kSending);
  EXPECT_EQ(decision.change.next.lease_owner, "me");
  EXPECT_EQ(decision.change.next.lease_until, kNow + kLease);
  EXPECT_EQ(decision.change.next.attempts, attempts);
  EXPECT_EQ(decision.change.next.resends, resends);
}

TEST(DeliveryStateTest, NamesRoundTripAndUnknownNamesAreRefused) {
  for (DeliveryState state : kAll) {
    EXPECT_EQ(ParseDeliveryState(DeliveryStateName(state)), state);
  }
  EXPECT_EQ(ParseDeliveryState("delivered"), std::nullopt);
  EXPECT_EQ(DeliveryStateName(DeliveryState::kHandedOver), "handed_over");
}

TEST(DeliveryStateTest, FinalAndFailureStates) {
  std::vector<DeliveryState> final, failures;
  for (DeliveryState state : kAll) {
    if (IsFinal(state)) final.push_back(state);
    if (IsFailure(state)) failures.push_back(state);
  }
  EXPECT_EQ(final, (std::vector<DeliveryState>{DeliveryState::kSent, DeliveryState::kFailed,
                                               DeliveryState::kUnconfirmed}));
  EXPECT_EQ(failures,
            (std::vector<DeliveryState>{DeliveryState::kFailed, DeliveryState::kUnconfirmed}));
}

TEST(DeliveryStateTest, AFirstClaimCreatesTheRecordBeingSent) {
  ExpectClaimedByMe(Decide(std::nullopt, ClaimBy("me")), /*create=*/true, /*attempts=*/1,
                    /*resends=*/0);
}

TEST(DeliveryStateTest, NothingIsClaimedForAnErasedRecipientWhateverTheRecord) {
  ClaimEvent claim = ClaimBy("me");
  claim.recipient_erased = true;
  std::vector<std::optional<DeliveryStatus>> records = {std::nullopt};
  for (DeliveryState state : kAll) records.push_back(Record(state));
  for (const auto& record : records) {
    DeliveryDecision decision = Decide(record, claim);
    EXPECT_EQ(decision.outcome, Outcome::kUnchanged);
    EXPECT_EQ(decision.state, std::nullopt);
    EXPECT_FALSE(decision.may_send);
  }
}

TEST(DeliveryStateTest, AClaimInEveryStateAndLease) {
  for (DeliveryState state : kAll) {
    for (absl::Duration lease_left : {absl::Seconds(10), absl::ZeroDuration(), -absl::Seconds(1)}) {
      for (const std::string owner : {"me", "other"}) {
        SCOPED_TRACE(::testing::Message()
                     << DeliveryStateName(state) << " held by " << owner << " for " << lease_left);
        const DeliveryStatus record = Record(state, owner, lease_left);
        DeliveryDecision decision = Decide(record, ClaimBy("me"));
        const bool live = lease_left > absl::ZeroDuration();
        if (IsFinal(state)) {
          EXPECT_EQ(decision.outcome, Outcome::kUnchanged);
          EXPECT_EQ(decision.state, state);
          EXPECT_FALSE(decision.may_send);
        } else if (state == DeliveryState::kSending && owner == "me") {
          // The same claim again (its reply was lost): it may send, nothing changes.
          EXPECT_EQ(decision.outcome, Outcome::kUnchanged);
          EXPECT_TRUE(decision.may_send);
          EXPECT_EQ(decision.resend, 1);
        } else if (BeingSent(state) && live) {
          EXPECT_EQ(decision.outcome, Outcome::kBusy);
          EXPECT_FALSE(decision.may_send);
        } else if (state == DeliveryState::kHandedOver) {
          // Its sender stopped after the body went out: the server may have it.
          ASSERT_EQ(decision.outcome, Outcome::kApply);
          EXPECT_FALSE(decision.may_send);
          EXPECT_EQ(decision.change.next.state, DeliveryState::kUnconfirmed);
          EXPECT_EQ(decision.change.next.lease_owner, "");
          EXPECT_EQ(decision.change.next.attempts, 2);
          EXPECT_EQ(decision.change.failure_reason, "no_answer");
          EXPECT_FALSE(decision.change.last_error.empty());
        } else {
          // pending, retrying, or a sending whose sender's lease ran out: taken over.
          ExpectClaimedByMe(decision, /*create=*/false, /*attempts=*/3, /*resends=*/1);
        }
      }
    }
  }
}

TEST(DeliveryStateTest, OnlyTheHolderOfASendingClaimHandsOver) {
  const HandOverEvent hand_over{.owner = "me", .now = kNow, .lease = kLease};
  EXPECT_TRUE(absl::IsFailedPrecondition(Decide(std::nullopt, hand_over).refusal));
  for (DeliveryState state : kAll) {
    for (const std::string owner : {"me", "other"}) {
      SCOPED_TRACE(::testing::Message() << DeliveryStateName(state) << " held by " << owner);
      DeliveryDecision decision = Decide(Record(state, owner), hand_over);
      if (state == DeliveryState::kSending && owner == "me") {
        ASSERT_EQ(decision.outcome, Outcome::kApply);
        EXPECT_EQ(decision.change.next.state, DeliveryState::kHandedOver);
        EXPECT_EQ(decision.change.next.lease_owner, "me");
        EXPECT_EQ(decision.change.next.lease_until, kNow + kLease);
      } else if (state == DeliveryState::kHandedOver && owner == "me") {
        EXPECT_EQ(decision.outcome, Outcome::kUnchanged);  // said twice
      } else {
        EXPECT_EQ(decision.outcome, Outcome::kRefused);
        EXPECT_TRUE(absl::IsFailedPrecondition(decision.refusal)) << decision.refusal;
      }
    }
  }
}

TEST(DeliveryStateTest, OnlyTheHolderFinishesAndOnlyAsAnOutcome) {
  for (DeliveryState outcome : kAll) {
    const FinishEvent finish{.owner = "me", .outcome = outcome};
    const bool an_outcome = outcome == DeliveryState::kRetrying || IsFinal(outcome);
    for (DeliveryState state : kAll) {
      for (const std::string owner : {"me", "other"}) {
        SCOPED_TRACE(::testing::Message() << DeliveryStateName(state) << " held by " << owner
                                          << " ends as " << DeliveryStateName(outcome));
        DeliveryDecision decision = Decide(Record(state, owner), finish);
        if (!an_outcome) {
          EXPECT_TRUE(absl::IsInvalidArgument(decision.refusal)) << decision.refusal;
        } else if (BeingSent(state) && owner == "me") {
          ASSERT_EQ(decision.outcome, Outcome::kApply);
          EXPECT_EQ(decision.change.next.state, outcome);
          EXPECT_EQ(decision.change.next.lease_owner, "");
          EXPECT_EQ(decision.change.next.lease_until, absl::InfinitePast());
          EXPECT_EQ(decision.change.next.attempts, 2);
        } else {
          EXPECT_TRUE(absl::IsFailedPrecondition(decision.refusal)) << decision.refusal;
        }
      }
    }
    if (an_outcome) {
      EXPECT_TRUE(absl::IsFailedPrecondition(Decide(std::nullopt, finish).refusal));
    }
  }
}

TEST(DeliveryStateTest, AResendReopensEveryRecordNotBeingSentNow) {
  EXPECT_TRUE(absl::IsNotFound(Decide(std::nullopt, ResendEvent{.now = kNow}).refusal));
  for (DeliveryState state : kAll) {
    for (absl::Duration lease_left : {absl::Seconds(10), absl::ZeroDuration()}) {
      SCOPED_TRACE(::testing::Message() << DeliveryStateName(state) << " for " << lease_left);
      DeliveryDecision decision =
          Decide(Record(state, "other", lease_left), ResendEvent{.now = kNow});
      if (BeingSent(state) && lease_left > absl::ZeroDuration()) {
        EXPECT_TRUE(absl::IsFailedPrecondition(decision.refusal)) << decision.refusal;
        continue;
      }
      ASSERT_EQ(decision.outcome, Outcome::kApply);
      EXPECT_EQ(decision.change.next.state, DeliveryState::kPending);
      EXPECT_EQ(decision.change.next.resends, 2);
      EXPECT_EQ(decision.change.next.attempts, 2);
      EXPECT_EQ(decision.change.next.lease_owner, "");
      EXPECT_TRUE(decision.change.clear_failure);
    }
  }
}

TEST(DeliveryStateTest, AResentMessageIsClaimedWithItsResendNumber) {
  DeliveryDecision resent = Decide(Record(DeliveryState::kSent), ResendEvent{.now = kNow});
  ASSERT_EQ(resent.outcome, Outcome::kApply);
  DeliveryDecision claimed = Decide(resent.change.next, ClaimBy("me"));
  ASSERT_TRUE(claimed.may_send);
  EXPECT_EQ(claimed.resend, 2);
}

// The live holder renews its lease (while the SMTP server keeps it waiting); nobody else can,
// and a message no longer being sent has no lease to renew.
TEST(DeliveryStateTest, OnlyTheLiveHolderRenewsItsLease) {
  const RenewEvent renew{.owner = "me", .now = kNow, .lease = kLease};
  for (DeliveryState state : kAll) {
    DeliveryDecision mine = Decide(Record(state, "me"), renew);
    if (BeingSent(state)) {
      ASSERT_EQ(mine.outcome, Outcome::kApply) << DeliveryStateName(state);
      EXPECT_EQ(mine.change.next.state, state);
      EXPECT_EQ(mine.change.next.lease_owner, "me");
      EXPECT_EQ(mine.change.next.lease_until, kNow + kLease);
      EXPECT_EQ(mine.change.next.attempts, 2) << "a renewal is no new attempt";
    } else {
      EXPECT_EQ(mine.outcome, Outcome::kRefused) << DeliveryStateName(state);
    }
    EXPECT_EQ(Decide(Record(state, "other"), renew).outcome, Outcome::kRefused)
        << DeliveryStateName(state);
  }
  EXPECT_EQ(Decide(std::nullopt, renew).outcome, Outcome::kRefused);
}

// A busy claim says when the holder's lease runs out, so the sender can wait for exactly that.
TEST(DeliveryStateTest, ABusyClaimSaysWhenTheHoldersLeaseRunsOut) {
  DeliveryDecision busy =
      Decide(Record(DeliveryState::kSending, "other", absl::Seconds(7)), ClaimBy("me"));
  ASSERT_EQ(busy.outcome, Outcome::kBusy);
  EXPECT_EQ(busy.busy_until, kNow + absl::Seconds(7));
}

}  // namespace
}  // namespace ipraktik::notification
