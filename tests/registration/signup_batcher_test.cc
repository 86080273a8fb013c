// The sign-up batcher's bound: with its one worker held (inside a call's done) and its queue full,
// a sign-up is refused at once with RESOURCE_EXHAUSTED and a retry delay and never runs; one whose
// deadline passed while it waited is answered DEADLINE_EXCEEDED. No Redis runs: the sign-ups are
// refused before the store is reached, or find it unreachable, either way at once.
#include "signup_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <latch>

#include "ipraktik/errors/errors.h"
#include "ipraktik/outbox/outbox.h"
#include "registration_repository.h"

namespace ipraktik::registration {
namespace {

using namespace std::chrono_literals;

class SignUpBatcherTest : public ::testing::Test {
 protected:
  using Done = std::function<void(absl::StatusOr<v1::SignUpResponse>)>;

  // A sign-up of the (empty) request whose answer goes to done.
  BatchedSignUp SignUp(Done done) {
    return {.caller = caller_, .request = &request_, .done = std::move(done)};
  }
  // A done that hands the answer's status to answer.
  static Done Into(std::promise<absl::Status>& answer) {
    return
        [&answer](absl::StatusOr<v1::SignUpResponse> result) { answer.set_value(result.status()); };
  }

  // Nothing listens on port 1: a store command fails at once.
  store::Pool redis_{{.port = 1, .max_attempts = 1}};
  outbox::Outbox outbox_{redis_, "registration"};
  RegistrationRepository repository_{redis_, outbox_};
  Registrar registrar_{repository_, RegistrarOptions{}};
  const Caller caller_{.tenant = "aarhus", .correlation_id = "batcher-test"};
  v1::SignUpRequest request_;  // empty: refused whatever the store says
  const std::chrono::system_clock::time_point later_ = std::chrono::system_clock::now() + 1h;
};

TEST_F(SignUpBatcherTest, AFullQueueRefusesWithARetryDelayAndAnExpiredSignUpIsNotStarted) {
  SignUpBatcher batcher(
      registrar_,
      {.workers = 1, .max_batch = 1, .max_queue = 2, .retry_delay = absl::Milliseconds(300)});
  std::latch held(1);
  std::latch release(1);
  ASSERT_TRUE(batcher
                  .Submit(SignUp([&](absl::StatusOr<v1::SignUpResponse>) {
                            held.count_down();
                            release.wait();
                          }),
                          later_)
                  .ok());
  held.wait();  // the one worker is inside the first call's done: the next ones wait in the queue

  std::promise<absl::Status> queued_answer;
  ASSERT_TRUE(batcher.Submit(SignUp(Into(queued_answer)), later_).ok());
  std::promise<absl::Status> expired_answer;
  ASSERT_TRUE(
      batcher.Submit(SignUp(Into(expired_answer)), std::chrono::system_clock::now() - 1s).ok());

  std::atomic<bool> refused_ran{false};
  absl::Status refused = batcher.Submit(
      SignUp([&](absl::StatusOr<v1::SignUpResponse>) { refused_ran = true; }), later_);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(errors::RetryDelayOf(refused), absl::Milliseconds(300));

  release.count_down();
  batcher.Stop();
  EXPECT_NE(queued_answer.get_future().get().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(expired_answer.get_future().get().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(refused_ran);
}

}  // namespace
}  // namespace ipraktik::registration
